#pragma once

// The command line of stgw-load: scenario, target, bounds, TLS and credentials.

#include <chrono>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stgw::load {

using Micros = std::chrono::microseconds;

enum class Scenario {
  Awareness, // virtual Sametime users: one parked long poll each plus presence requests
  Rps,       // closed-loop (or --rate paced) requests over keep-alive connections, like wrk
  Handshake, // a new connection (a full TLS handshake over https) for every request
};
std::string_view to_string(Scenario scenario);

// Why the command line was refused; |detail| says which flag and value.
enum class OptionErrc {
  UnknownFlag,  // a flag stgw-load does not know
  MissingValue, // a flag that needs a value came last
  BadValue,     // a number, duration or name that does not parse or is out of range
  BadUrl,       // not http(s)://HOST:PORT[/path]
  Conflict,     // flags that cannot go together, or a scenario without what it needs
  NoScenario,   // neither a positional scenario nor --scenario
};

struct OptionError {
  OptionErrc code;
  std::string detail;
};

// http(s)://host:port/path split up; host is a numeric address or "localhost".
struct Url {
  bool tls = false;
  std::string host; // as written, without IPv6 brackets
  std::uint16_t port = 0;
  std::string path = "/";  // path and query
  std::string host_header; // "host:port" (IPv6 bracketed) for the Host header
};

struct Options {
  Scenario scenario = Scenario::Rps;
  Url url;
  std::string path; // request target; empty = the URL's path
  int connections = 50;
  int users = 100;
  int threads = 1;
  Micros duration{0};         // 0 with requests == 0: 10 s
  std::uint64_t requests = 0; // 0 = unbounded (the duration bounds the run)
  double rate = 0;            // rps: requests/s in total (0 = closed loop); awareness:
                              // presence requests/s per user (0 = none)
  Micros timeout = std::chrono::seconds(10);        // request sent → response complete
  Micros connect_timeout = std::chrono::seconds(5); // TCP connect, and again the TLS handshake
  Micros poll_timeout = std::chrono::seconds(120);  // a parked poll may take this long
  Micros retry_delay = std::chrono::seconds(1);     // awareness: wait before reconnecting
  Micros ramp{-1};                                  // spread connects over this; -1 = default
  bool insecure = false;
  std::string ca_file;
  std::string server_name; // SNI and the name verified; empty = the URL host
  std::string cookie;      // a Cookie header value sent verbatim on every request
  std::string cookie_name = "LtpaToken2";
  std::string token_file; // one token per line, one per user or connection
  std::string keys_file;  // ltpa.keys to mint tokens with
  std::string password_file;
  std::string user_prefix = "loaduser";
  Micros token_ttl = std::chrono::hours(2);
  std::vector<std::string> headers; // extra "Name: value" lines
  std::string poll_path = "/stwebapi/poll";
  std::string presence_path = "/stwebapi/presence";
  bool json = false;
  bool progress = true;
  bool help = false;

  bool uses_tokens() const { return !token_file.empty() || !keys_file.empty(); }
  // The run time bound that applies (10 s when neither --duration nor --requests was given).
  Micros effective_duration() const;
  // The request target of the rps and handshake scenarios.
  const std::string& target() const { return path.empty() ? url.path : path; }
};

// "5s", "500ms", "2m", "1h", "250us", decimals allowed ("0.5s"); at most 24 h.
std::expected<Micros, OptionError> parse_duration(std::string_view text);

// http://127.0.0.1:8080, https://[::1]:8443/x?y=1, http://localhost:80.  Port required.
std::expected<Url, OptionError> parse_url(std::string_view text);

// argv without argv[0]; "--flag value" and "--flag=value".  Checks the combination too.
std::expected<Options, OptionError> parse_options(std::span<const std::string_view> args);

std::string describe(const OptionError& error);
std::string_view usage();

} // namespace stgw::load
