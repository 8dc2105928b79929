#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stgw::stps_sim {

// Why a command line or a query value was refused; |detail| names the offending input.
enum class OptionErrc {
  UnknownFlag,  // a flag stps-sim does not know
  MissingValue, // a flag that needs a value came last
  BadDuration,  // not "<number><unit>" with unit us, ms, s, m or h, or out of range
  BadAddress,   // not "IPV4:PORT" or "[IPV6]:PORT"
  BadNumber,    // not a decimal integer in the allowed range
  BadCloneId,   // empty, too long or not cookie-safe
  BadTls,       // --tls-cert without --tls-key or the reverse
};

struct OptionError {
  OptionErrc code;
  std::string detail;
};

// One --listen value.  |host| is a numeric address; port 0 asks the kernel for a free port.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
  bool ipv6 = false;
};

struct Options {
  std::vector<ListenAddress> listen;
  std::string clone_id = "stps1";
  std::chrono::microseconds poll_hold = std::chrono::seconds(30);
  std::chrono::microseconds idle_timeout{0}; // 0: keep-alive connections never time out
  std::string tls_cert;
  std::string tls_key;
  std::string user_header = "X-Sametime-User";
  int threads = 1;
  bool help = false;
};

// Parses "30s", "500ms", "2m", "1h", "250us" and decimals such as "0.2s".  A unit is required.
// Durations above 24 h are refused so that later arithmetic cannot overflow.
std::expected<std::chrono::microseconds, OptionError> parse_duration(std::string_view text);

// Parses a hold time from a query string: plain seconds ("30", "0.2") or a duration ("500ms").
std::expected<std::chrono::microseconds, OptionError>
parse_seconds_or_duration(std::string_view text);

// Parses "127.0.0.1:8080", "[::1]:0" or "localhost:8080" (taken as 127.0.0.1).
std::expected<ListenAddress, OptionError> parse_listen_address(std::string_view text);

// Parses a decimal integer in [min, max]; no sign, no spaces, no trailing bytes.
std::expected<std::uint64_t, OptionError> parse_uint(std::string_view text, std::uint64_t min,
                                                     std::uint64_t max);

// Parses argv (without argv[0]).  Accepts "--flag value" and "--flag=value".
std::expected<Options, OptionError> parse_options(std::span<const std::string_view> args);

// One line per error for stderr, e.g. "--poll-hold: bad duration '30' (use 30s, 500ms, 2m)".
std::string describe(const OptionError& error);

std::string_view usage();

} // namespace stgw::stps_sim
