#include "loadtest/stps_sim/options.h"

#include <arpa/inet.h>

#include <charconv>
#include <fmt/format.h>

namespace stgw::stps_sim {
namespace {

using std::chrono::microseconds;

constexpr std::uint64_t kMaxDurationUs = 24ULL * 3600 * 1000 * 1000;

std::unexpected<OptionError> fail(OptionErrc code, std::string detail) {
  return std::unexpected(OptionError{code, std::move(detail)});
}

// Splits "12.5ms" into the number and the unit; the number is digits with at most one '.'.
struct NumberAndUnit {
  std::string_view whole;
  std::string_view fraction;
  std::string_view unit;
};

std::expected<NumberAndUnit, OptionErrc> split_number(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9')
    ++i;
  NumberAndUnit out{text.substr(0, i), {}, {}};
  if (i < text.size() && text[i] == '.') {
    std::size_t start = ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9')
      ++i;
    out.fraction = text.substr(start, i - start);
    if (out.fraction.empty())
      return std::unexpected(OptionErrc::BadDuration);
  }
  if (out.whole.empty() && out.fraction.empty())
    return std::unexpected(OptionErrc::BadDuration);
  out.unit = text.substr(i);
  return out;
}

std::expected<std::uint64_t, OptionErrc> unit_in_us(std::string_view unit) {
  if (unit == "us")
    return 1;
  if (unit == "ms")
    return 1000;
  if (unit == "s")
    return 1000 * 1000;
  if (unit == "m")
    return 60ULL * 1000 * 1000;
  if (unit == "h")
    return 3600ULL * 1000 * 1000;
  return std::unexpected(OptionErrc::BadDuration);
}

// whole.fraction × scale, rounded down to a microsecond; refuses anything above 24 h.
std::expected<microseconds, OptionErrc> scale(const NumberAndUnit& n, std::uint64_t scale_us) {
  if (n.whole.size() > 12)
    return std::unexpected(OptionErrc::BadDuration);
  std::uint64_t whole = 0;
  if (!n.whole.empty())
    std::from_chars(n.whole.data(), n.whole.data() + n.whole.size(), whole);
  if (whole > kMaxDurationUs / scale_us)
    return std::unexpected(OptionErrc::BadDuration);
  std::uint64_t total = whole * scale_us;
  std::uint64_t place = scale_us;
  for (char c : n.fraction) {
    place /= 10;
    if (place == 0)
      break;
    total += static_cast<std::uint64_t>(c - '0') * place;
  }
  if (total > kMaxDurationUs)
    return std::unexpected(OptionErrc::BadDuration);
  return microseconds(total);
}

std::expected<microseconds, OptionError> duration_error(std::string_view text) {
  return fail(OptionErrc::BadDuration,
              fmt::format("bad duration '{}' (use e.g. 30s, 500ms, 2m; at most 24h)", text));
}

bool is_cookie_safe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

std::expected<std::string, OptionError> check_clone_id(std::string_view id) {
  if (id.empty() || id.size() > 64) {
    return fail(OptionErrc::BadCloneId, "--clone-id must be 1 to 64 characters");
  }
  for (char c : id) {
    if (!is_cookie_safe(c)) {
      return fail(OptionErrc::BadCloneId,
                  fmt::format("--clone-id '{}' may only use letters, digits, '-', '_', '.'", id));
    }
  }
  return std::string(id);
}

// Applies one flag and its value to |options|.
std::expected<void, OptionError> apply(Options& options, std::string_view flag,
                                       std::string_view value) {
  if (flag == "--listen") {
    auto address = parse_listen_address(value);
    if (!address)
      return std::unexpected(address.error());
    options.listen.push_back(*address);
  } else if (flag == "--clone-id") {
    auto id = check_clone_id(value);
    if (!id)
      return std::unexpected(id.error());
    options.clone_id = *id;
  } else if (flag == "--poll-hold" || flag == "--idle-timeout") {
    auto d = parse_duration(value);
    if (!d)
      return std::unexpected(
          OptionError{d.error().code, fmt::format("{}: {}", flag, d.error().detail)});
    (flag == "--poll-hold" ? options.poll_hold : options.idle_timeout) = *d;
  } else if (flag == "--tls-cert") {
    options.tls_cert = value;
  } else if (flag == "--tls-key") {
    options.tls_key = value;
  } else if (flag == "--user-header") {
    options.user_header = value;
  } else if (flag == "--threads") {
    auto n = parse_uint(value, 1, 256);
    if (!n)
      return std::unexpected(OptionError{n.error().code, "--threads: " + n.error().detail});
    options.threads = static_cast<int>(*n);
  } else {
    return std::unexpected(
        OptionError{OptionErrc::UnknownFlag, fmt::format("unknown flag '{}'", flag)});
  }
  return {};
}

} // namespace

std::expected<microseconds, OptionError> parse_duration(std::string_view text) {
  auto parts = split_number(text);
  if (!parts || parts->unit.empty())
    return duration_error(text);
  auto unit = unit_in_us(parts->unit);
  if (!unit)
    return duration_error(text);
  auto d = scale(*parts, *unit);
  if (!d)
    return duration_error(text);
  return *d;
}

std::expected<microseconds, OptionError> parse_seconds_or_duration(std::string_view text) {
  auto parts = split_number(text);
  if (!parts)
    return duration_error(text);
  if (parts->unit.empty()) {
    auto d = scale(*parts, 1000 * 1000);
    if (!d)
      return duration_error(text);
    return *d;
  }
  return parse_duration(text);
}

std::expected<std::uint64_t, OptionError> parse_uint(std::string_view text, std::uint64_t min,
                                                     std::uint64_t max) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    return fail(OptionErrc::BadNumber,
                fmt::format("'{}' is not a whole number from {} to {}", text, min, max));
  }
  return value;
}

std::expected<ListenAddress, OptionError> parse_listen_address(std::string_view text) {
  auto bad = [&] {
    return fail(OptionErrc::BadAddress,
                fmt::format("--listen '{}': use IPV4:PORT or [IPV6]:PORT, e.g. 127.0.0.1:0", text));
  };
  ListenAddress out;
  std::string_view port_text;
  if (text.starts_with('[')) {
    auto close = text.find("]:");
    if (close == std::string_view::npos)
      return bad();
    out.host = std::string(text.substr(1, close - 1));
    out.ipv6 = true;
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return bad();
    out.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (out.host == "localhost")
    out.host = "127.0.0.1";
  unsigned char scratch[16];
  if (inet_pton(out.ipv6 ? AF_INET6 : AF_INET, out.host.c_str(), scratch) != 1)
    return bad();
  auto port = parse_uint(port_text, 0, 65535);
  if (!port)
    return bad();
  out.port = static_cast<std::uint16_t>(*port);
  return out;
}

std::expected<Options, OptionError> parse_options(std::span<const std::string_view> args) {
  Options options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view flag = args[i];
    if (flag == "--help" || flag == "-h") {
      options.help = true;
      return options;
    }
    std::string_view value;
    if (auto eq = flag.find('='); flag.starts_with("--") && eq != std::string_view::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return fail(OptionErrc::MissingValue, fmt::format("{} needs a value", flag));
    }
    if (auto applied = apply(options, flag, value); !applied) {
      return std::unexpected(applied.error());
    }
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return fail(OptionErrc::BadTls, "--tls-cert and --tls-key must be given together");
  }
  if (options.listen.empty())
    options.listen.push_back(ListenAddress{"127.0.0.1", 0, false});
  return options;
}

std::string describe(const OptionError& error) {
  return error.detail;
}

std::string_view usage() {
  return R"(usage: stps-sim --listen 127.0.0.1:PORT [--listen ...] [--clone-id ID]
                [--poll-hold 30s] [--idle-timeout 0s] [--tls-cert FILE --tls-key FILE]
                [--threads N] [--user-header X-Sametime-User]
A Sametime Proxy Server stand-in for tests and load tests; see loadtest/stps_sim/README.md.
  --listen ADDR        IPV4:PORT or [IPV6]:PORT; repeatable; port 0 picks a free port
  --clone-id ID        WebSphere clone id appended to JSESSIONID (default stps1)
  --poll-hold D        how long /stwebapi/poll holds without ?hold= (default 30s)
  --idle-timeout D     close connections idle (or stalled) this long (default 0s = never)
  --tls-cert/--tls-key PEM certificate chain and private key: every listener speaks TLS
  --threads N          event loops, each with its own SO_REUSEPORT listener (default 1)
  --user-header NAME   header whose value /stwebapi/user/connect reports as the user
)";
}

} // namespace stgw::stps_sim
