#pragma once

// Integration harness: runs the real stgw and stps-sim binaries on loopback ports chosen at run
// time, and drives them with real clients (the curl and openssl CLIs, raw TCP sockets). Every
// wait is bounded; every process started here is killed and reaped by its owner's destructor.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace stgw::itest {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A fresh directory under $TMPDIR (or /tmp) for one test's configs, certificates and logs;
// removed with its contents by the destructor.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes |content| to path()/|name| and returns the full path.
  std::string write(std::string_view name, std::string_view content) const;
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

private:
  std::string path_;
};

// A loopback TCP port that was free a moment ago (bound to port 0, read back, closed).
std::uint16_t free_port();

std::string read_file(const std::string& path);

// The result of a command run to completion.
struct CommandResult {
  int exit_code = -1; // -1: killed by a signal or by the timeout
  bool timed_out = false;
  std::string out;
  std::string err;
};

// Runs |argv| (argv[0] looked up in PATH, no shell) with |input| on stdin; kills it after
// |timeout|.
CommandResult run_command(const std::vector<std::string>& argv, std::string_view input = {},
                          std::chrono::milliseconds timeout = 30s);

// One child process started with fork/exec, stdout and stderr going to files in |dir|.
class Process {
public:
  // Starts |argv| and waits up to |ready_timeout| for a stdout line starting with |ready_prefix|
  // (empty: do not wait). started() tells whether that line came. The child gets this
  // process's environment with |env_overrides| ("NAME=value") on top. Start processes from the
  // test's main thread: the child dies with the thread that forked it (PR_SET_PDEATHSIG).
  Process(std::vector<std::string> argv, const std::string& dir, const std::string& name,
          std::string_view ready_prefix, std::chrono::milliseconds ready_timeout = 20s,
          const std::vector<std::string>& env_overrides = {});
  ~Process(); // SIGKILL and reap when still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  bool started() const { return !ready_line_.empty(); }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  const std::string& ready_line() const { return ready_line_; }
  // The exit code (128+N for signal N) when the process ended before its ready line.
  std::optional<int> early_exit() const { return early_exit_; }

  void send_signal(int signal_number) const;
  // Waits for the exit; returns the exit code, 128+N for death by signal N, nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  void kill_now(); // SIGKILL and reap

  long rss_kb() const;      // VmRSS now, -1 when unknown
  long peak_rss_kb() const; // VmHWM, -1 when unknown

  std::string stdout_text() const;
  std::string stderr_text() const;
  // Sanitizer reports and crash messages found in stderr (empty when none).
  std::string sanitizer_report() const;

private:
  pid_t pid_ = -1;
  std::string stdout_path_;
  std::string stderr_path_;
  std::string ready_line_;
  std::optional<int> early_exit_;
};

// stps-sim on 127.0.0.1, port picked by the kernel and read from its ready line.
class StpsSim {
public:
  StpsSim(const TempDir& dir, std::vector<std::string> extra_args = {},
          const std::string& name = "stps-sim");
  ~StpsSim();
  bool started() const { return port_ != 0; }
  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  Process& process() { return *process_; }
  // GET /stats straight from the simulator (not through the gateway).
  nlohmann::json stats() const;

private:
  std::unique_ptr<Process> process_;
  std::uint16_t port_ = 0;
  bool tls_ = false;
};

// stgw serve -c DIR/gateway.toml, started with |config_toml| written to the temp dir.
class Gateway {
public:
  Gateway(const TempDir& dir, const std::string& config_toml,
          const std::vector<std::string>& env_overrides = {});
  ~Gateway(); // adds a test failure when the gateway's stderr holds a sanitizer report
  bool started() const { return process_->started(); }
  Process& process() { return *process_; }
  // stderr of the gateway, for failure messages.
  std::string log() const { return process_->stderr_text(); }

private:
  std::unique_ptr<Process> process_;
};

// Environment for a gateway whose memory a test measures: in AddressSanitizer builds the
// quarantine of freed blocks is switched off (it would count every buffer ever used).
std::vector<std::string> env_for_rss_measurement();

// A cleartext listener + an stps-sim backend + routes: the config most tests start from.
struct ConfigOptions {
  std::uint16_t http_port = 0;  // cleartext listener (0 = none)
  std::uint16_t https_port = 0; // TLS listener (0 = none)
  std::string tls_certificates; // TOML array body for the TLS listener
  std::string tls_extra;        // more keys of the listener's tls table, e.g. ", min_version = .."
  std::string backend_address;  // "127.0.0.1:PORT"
  std::string backend_extra;    // extra TOML lines inside [[backend]]
  std::string server_extra;     // extra TOML lines inside [server]
  std::string routes;           // [[route]] tables; default: "/" → stps
  int workers = 2;
};
std::string make_config(const ConfigOptions& options);

// A self-signed P-256 certificate for |cn| (also its DNS subjectAltName); returns {cert, key}.
std::pair<std::string, std::string> make_self_signed(const TempDir& dir, const std::string& cn);
// A CA and a leaf for |cn| signed by it; returns {ca_cert, leaf_cert, leaf_key}.
struct SignedCert {
  std::string ca_cert;
  std::string cert;
  std::string key;
};
SignedCert make_ca_signed(const TempDir& dir, const std::string& prefix, const std::string& cn);

// curl's answer: the final response's status, headers (lower-case names) and body.
struct HttpReply {
  int curl_exit = -1;
  int status = 0;
  std::multimap<std::string, std::string> headers;
  std::string body;
  std::string raw; // everything curl printed (-i: every head, 1xx included)
  std::string header(const std::string& lower_name) const;
  nlohmann::json json() const; // body as JSON; null when it does not parse
};

// Runs `curl -sS -D - --max-time N ARGS...` (no shell): heads, then the body unless -o.
HttpReply curl(const std::vector<std::string>& args, std::chrono::seconds max_time = 20s);

// Parses "HTTP/1.1 200 OK\r\n...\r\n\r\nbody" (after skipping any 1xx heads).
HttpReply parse_http_reply(std::string_view text);

// Values of a header in stps-sim's /echo JSON, names compared case-insensitively.
std::vector<std::string> echo_header(const nlohmann::json& echo, std::string_view name);

// A raw loopback TCP client for exact bytes, timings and closes.
class RawClient {
public:
  explicit RawClient(std::uint16_t port);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send_all(std::string_view data);
  // Reads until |needle| occurs |occurrences| times in everything received, EOF or |timeout|.
  const std::string& read_until(std::string_view needle, std::chrono::milliseconds timeout,
                                int occurrences = 1);
  // Reads until the buffer holds at least |size| bytes, EOF or |timeout|.
  const std::string& read_at_least(std::size_t size, std::chrono::milliseconds timeout);
  // Reads until the peer closes (true) or |timeout| passes (false).
  bool read_to_eof(std::chrono::milliseconds timeout);
  // Reads one complete response from the front of the buffer (Content-Length, chunked, or
  // bodiless as |head_request| or the status says), removes it from the buffer and returns it
  // raw; nullopt on timeout or EOF first.
  std::optional<std::string> read_response(std::chrono::milliseconds timeout,
                                           bool head_request = false);
  const std::string& buffer() const { return buffer_; }
  bool eof() const { return eof_; }
  void close();

private:
  bool fill(Clock::time_point deadline); // one read; false on EOF or deadline
  int fd_ = -1;
  bool eof_ = false;
  std::string buffer_;
};

// The status code of the first status line in |response|, 0 when there is none.
int status_of(std::string_view response);

// A response parsed from raw bytes (chunked bodies decoded).
HttpReply parse_raw_response(std::string_view response);

} // namespace stgw::itest
