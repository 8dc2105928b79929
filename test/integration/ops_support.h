#pragma once

// Helpers for the SSO and operations integration tests, on top of the shared harness: LTPA
// material made with the real `stgw keys`/`stgw token` commands, a config writer with the
// sections the data-plane config leaves out ([admin], [budget], [sso], [access_log]), a parser
// for the Prometheus text format, raw connections that can bind a source address and be
// watched many at once, and a launcher that lowers RLIMIT_NOFILE in the child.

#include <sys/resource.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "test/integration/fixture.h" // get_request()
#include "test/integration/harness.h"

namespace stgw::itest {

// The stgw binary under test (STGW_ITEST_STGW overrides the one this build made).
std::string stgw_binary();
// The stps-sim binary under test (STGW_ITEST_STPS_SIM overrides).
std::string stps_sim_binary();

// Polls |condition| every |interval| until it holds or |timeout| passes; returns its last value.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = 50ms);

// ---------------------------------------------------------------------------------------------
// LTPA material, made by the real command line (a failure adds a test failure and returns an
// empty value).

struct LtpaKeys {
  std::string keys_file;
  std::string password_file;
  std::string realm;
};

// `stgw keys generate` into DIR/<name>.keys with a password in DIR/<name>.password.
LtpaKeys generate_ltpa_keys(const TempDir& dir, const std::string& name, const std::string& realm);
// A Domino secret file (base64 of 20 random bytes) at DIR/<name>.secret; returns its path.
std::string write_domino_secret(const TempDir& dir, const std::string& name);

// `stgw token mint` with a key set: the cookie value. |format| "ltpa2" or "ltpa1"; |extra| more
// arguments such as {"--ttl", "1h", "--at", "1700000000"}.
std::string mint_ltpa(const LtpaKeys& keys, const std::string& user, const std::string& format,
                      const std::vector<std::string>& extra = {});
// `stgw token mint --format domino`: the cookie value.
std::string mint_domino(const std::string& secret_file, const std::string& user,
                        const std::vector<std::string>& extra = {});

// ---------------------------------------------------------------------------------------------
// Configuration

// A gateway config with every section the operations tests need. Ports of 0 leave that listener
// (or the admin endpoint) out.
struct OpsConfig {
  std::uint16_t http_port = 0;
  std::uint16_t https_port = 0;                   // TLS listener named "https"
  std::pair<std::string, std::string> https_cert; // {certificate, key} for it
  std::uint16_t admin_port = 0;                   // 0: admin "off"
  std::string backend_address;                    // "127.0.0.1:PORT"
  std::string backend_extra;                      // more lines in [[backend]]
  std::string server_extra;                       // more lines in [server]
  std::string budget;                             // lines in [budget]
  std::string sso;                                // a whole [sso] section (see sso_section)
  std::string access_log;                         // lines in [access_log]
  std::string routes;                             // [[route]] tables; default "/" → stps
  std::string extra_listeners;                    // more [[listener]] tables
  int workers = 2;
};
std::string ops_config_toml(const OpsConfig& config);

// [sso] with one key set and (when |domino_secret| is not empty) one Domino secret;
// |extra_lines| go into [sso] itself, e.g. login_url = "...".
std::string sso_section(const LtpaKeys& keys, const std::string& domino_secret,
                        const std::string& extra_lines = {});

// One [[route]] table to the "stps" backend; |extra| holds more key = value lines.
std::string route(const std::string& prefix, const std::string& extra = {});

// ---------------------------------------------------------------------------------------------
// Prometheus text format

struct MetricSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct MetricsText {
  std::map<std::string, std::string> types; // family name → counter|gauge|histogram|...
  std::vector<MetricSample> samples;
  bool parsed = false; // false when a line did not parse (then |error| says which)
  std::string error;

  bool has_family(const std::string& name) const { return types.contains(name); }
  // Sum of the samples named |name| whose labels include every pair of |match|.
  double sum(const std::string& name, const std::map<std::string, std::string>& match = {}) const;
  // How many samples named |name| match.
  std::size_t count(const std::string& name,
                    const std::map<std::string, std::string>& match = {}) const;
};
MetricsText parse_metrics(std::string_view text);

// ---------------------------------------------------------------------------------------------
// Connections held open and watched many at a time

class HeldConnection {
public:
  // Connects to 127.0.0.1:|port| from |source_ip| (any 127.x.y.z address works on Linux).
  explicit HeldConnection(std::uint16_t port, const std::string& source_ip = "127.0.0.1");
  ~HeldConnection();
  HeldConnection(const HeldConnection&) = delete;
  HeldConnection& operator=(const HeldConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  bool send_all(std::string_view data);
  // Reads what is available without blocking.
  void pump();
  // The first complete response in the buffer (Content-Length or close-delimited body).
  std::optional<HttpReply> response() const;
  // Removes the first complete response from the buffer (for the next one on the connection).
  void consume_response();
  // The peer closed (or reset) the connection.
  bool closed() const { return eof_; }
  const std::string& buffer() const { return buffer_; }
  void close();

private:
  std::optional<std::size_t> response_size() const;
  int fd_ = -1;
  bool eof_ = false;
  std::string buffer_;
};

// Waits on every connection at once until |done| holds or |timeout| passes; returns done().
bool pump_until(const std::vector<HeldConnection*>& connections, const std::function<bool()>& done,
                std::chrono::milliseconds timeout);

// ---------------------------------------------------------------------------------------------
// stgw with a lowered descriptor limit

struct NofileRun {
  std::optional<int> exit_code; // set when stgw exited by itself before |timeout|
  bool ready = false;           // the "stgw ready:" line came
  long soft_limit_seen = -1;    // the running process's soft RLIMIT_NOFILE (when ready)
  std::string out;
  std::string err;
};

// The first sanitizer or crash report in |stderr_text|, empty when there is none.
std::string sanitizer_findings(const std::string& stderr_text);

// Runs `stgw serve -c |config_path|` with RLIMIT_NOFILE set to |soft|/|hard| between fork and
// exec; waits up to |timeout| for the ready line or an exit, then kills it if still running.
NofileRun run_stgw_with_nofile(const TempDir& dir, const std::string& config_path, rlim_t soft,
                               rlim_t hard, std::chrono::milliseconds timeout);

// ---------------------------------------------------------------------------------------------
// The fixture both suites start from

class OpsTestBase : public ::testing::Test {
protected:
  // Starts stps-sim with |args|.
  ::testing::AssertionResult start_sim(std::vector<std::string> args = {});
  // Picks fresh ports for the listeners |config| asks for (non-zero port fields; admin always)
  // and starts stgw; retries when a parallel test took a port in between. The backend address
  // defaults to the simulator's.
  ::testing::AssertionResult start_gateway(OpsConfig config);
  // Writes |config| (ports as given) over the running gateway's file and sends SIGHUP.
  void reload_with(const std::string& toml);

  std::string url(std::string_view path) const;
  std::string https_url(std::string_view path) const;
  std::string admin_url(std::string_view path) const;
  // GET /metrics from the admin listener, parsed.
  MetricsText metrics() const;
  // The gateway's stderr (for failure messages).
  std::string gateway_log() const;

  TempDir dir_; // first member: destroyed last, after the processes that use it
  std::unique_ptr<StpsSim> sim_;
  std::unique_ptr<Gateway> gateway_;
  OpsConfig config_; // as used by the running gateway (ports filled in)
};

} // namespace stgw::itest
