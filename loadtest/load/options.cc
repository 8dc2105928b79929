#include "loadtest/load/options.h"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>

#include <fmt/format.h>

namespace stgw::load {
namespace {

constexpr double kMaxDurationUs = 24.0 * 3600 * 1e6;

std::unexpected<OptionError> fail(OptionErrc code, std::string detail) {
  return std::unexpected(OptionError{code, std::move(detail)});
}

std::expected<double, OptionError> parse_number(std::string_view flag, std::string_view text,
                                                double min, double max) {
  double value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value) || value < min || value > max) {
    return fail(OptionErrc::BadValue,
                fmt::format("{}: '{}' is not a number in [{}, {}]", flag, text, min, max));
  }
  return value;
}

std::expected<std::uint64_t, OptionError> parse_count(std::string_view flag, std::string_view text,
                                                      std::uint64_t min, std::uint64_t max) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    return fail(OptionErrc::BadValue,
                fmt::format("{}: '{}' is not a whole number in [{}, {}]", flag, text, min, max));
  }
  return value;
}

std::expected<Scenario, OptionError> parse_scenario(std::string_view text) {
  if (text == "awareness")
    return Scenario::Awareness;
  if (text == "rps")
    return Scenario::Rps;
  if (text == "handshake")
    return Scenario::Handshake;
  return fail(OptionErrc::BadValue,
              fmt::format("unknown scenario '{}' (awareness, rps or handshake)", text));
}

bool valid_header_line(std::string_view line) {
  auto colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos)
    return false;
  for (char c : line) {
    if (c == '\r' || c == '\n' || c == '\0')
      return false;
  }
  for (char c : line.substr(0, colon)) {
    if (c == ' ' || c == '\t')
      return false;
  }
  return true;
}

bool valid_target(std::string_view path) {
  if (path.empty() || path.front() != '/')
    return false;
  for (char c : path) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
      return false;
  }
  return true;
}

using Setter = std::function<std::expected<void, OptionError>(Options&, std::string_view)>;

template <typename F> Setter duration_into(std::string_view flag, F member) {
  return [flag, member](Options& o, std::string_view v) -> std::expected<void, OptionError> {
    auto d = parse_duration(v);
    if (!d)
      return fail(OptionErrc::BadValue, fmt::format("{}: {}", flag, d.error().detail));
    o.*member = *d;
    return {};
  };
}

Setter int_into(std::string_view flag, int Options::*member, int min, int max) {
  return [=](Options& o, std::string_view v) -> std::expected<void, OptionError> {
    auto n = parse_count(flag, v, static_cast<std::uint64_t>(min), static_cast<std::uint64_t>(max));
    if (!n)
      return std::unexpected(n.error());
    o.*member = static_cast<int>(*n);
    return {};
  };
}

Setter string_into(std::string Options::*member) {
  return [=](Options& o, std::string_view v) -> std::expected<void, OptionError> {
    o.*member = std::string(v);
    return {};
  };
}

Setter path_into(std::string_view flag, std::string Options::*member) {
  return [=](Options& o, std::string_view v) -> std::expected<void, OptionError> {
    if (!valid_target(v))
      return fail(OptionErrc::BadValue,
                  fmt::format("{}: '{}' must start with '/' and hold no spaces", flag, v));
    o.*member = std::string(v);
    return {};
  };
}

// Flags that take a value.
const std::map<std::string_view, Setter>& value_flags() {
  static const std::map<std::string_view, Setter> flags = {
      {"--scenario",
       [](Options& o, std::string_view v) -> std::expected<void, OptionError> {
         auto s = parse_scenario(v);
         if (!s)
           return std::unexpected(s.error());
         o.scenario = *s;
         return {};
       }},
      {"--url",
       [](Options& o, std::string_view v) -> std::expected<void, OptionError> {
         auto u = parse_url(v);
         if (!u)
           return std::unexpected(u.error());
         o.url = *u;
         return {};
       }},
      {"--path", path_into("--path", &Options::path)},
      {"--poll-path", path_into("--poll-path", &Options::poll_path)},
      {"--presence-path", path_into("--presence-path", &Options::presence_path)},
      {"--connections", int_into("--connections", &Options::connections, 1, 1'000'000)},
      {"--users", int_into("--users", &Options::users, 1, 1'000'000)},
      {"--threads", int_into("--threads", &Options::threads, 1, 256)},
      {"--duration", duration_into("--duration", &Options::duration)},
      {"--requests",
       [](Options& o, std::string_view v) -> std::expected<void, OptionError> {
         auto n = parse_count("--requests", v, 1, std::uint64_t{1} << 48);
         if (!n)
           return std::unexpected(n.error());
         o.requests = *n;
         return {};
       }},
      {"--rate",
       [](Options& o, std::string_view v) -> std::expected<void, OptionError> {
         auto r = parse_number("--rate", v, 0, 1e8);
         if (!r)
           return std::unexpected(r.error());
         o.rate = *r;
         return {};
       }},
      {"--timeout", duration_into("--timeout", &Options::timeout)},
      {"--connect-timeout", duration_into("--connect-timeout", &Options::connect_timeout)},
      {"--poll-timeout", duration_into("--poll-timeout", &Options::poll_timeout)},
      {"--retry-delay", duration_into("--retry-delay", &Options::retry_delay)},
      {"--ramp", duration_into("--ramp", &Options::ramp)},
      {"--ttl", duration_into("--ttl", &Options::token_ttl)},
      {"--ca-file", string_into(&Options::ca_file)},
      {"--server-name", string_into(&Options::server_name)},
      {"--cookie",
       [](Options& o, std::string_view v) -> std::expected<void, OptionError> {
         if (!valid_header_line(std::string("Cookie: ") + std::string(v)))
           return fail(OptionErrc::BadValue, "--cookie: the value holds a line break");
         o.cookie = std::string(v);
         return {};
       }},
      {"--cookie-name", string_into(&Options::cookie_name)},
      {"--token-file", string_into(&Options::token_file)},
      {"--keys", string_into(&Options::keys_file)},
      {"--password-file", string_into(&Options::password_file)},
      {"--user-prefix", string_into(&Options::user_prefix)},
      {"--header",
       [](Options& o, std::string_view v) -> std::expected<void, OptionError> {
         if (!valid_header_line(v))
           return fail(OptionErrc::BadValue, fmt::format("--header: '{}' is not 'Name: value'", v));
         o.headers.emplace_back(v);
         return {};
       }},
  };
  return flags;
}

std::string_view long_name(std::string_view flag) {
  if (flag == "-c")
    return "--connections";
  if (flag == "-u")
    return "--users";
  if (flag == "-t")
    return "--threads";
  if (flag == "-d")
    return "--duration";
  if (flag == "-n")
    return "--requests";
  if (flag == "-H")
    return "--header";
  if (flag == "-k")
    return "--insecure";
  return flag;
}

std::expected<void, OptionError> apply_switch(Options& o, std::string_view flag) {
  if (flag == "--insecure")
    o.insecure = true;
  else if (flag == "--json")
    o.json = true;
  else if (flag == "--no-progress")
    o.progress = false;
  else if (flag == "--help" || flag == "-h")
    o.help = true;
  else
    return fail(OptionErrc::UnknownFlag, fmt::format("unknown flag '{}'", flag));
  return {};
}

bool is_switch(std::string_view flag) {
  return flag == "--insecure" || flag == "--json" || flag == "--no-progress" || flag == "--help" ||
         flag == "-h";
}

// The combination rules, once every flag is known.
std::expected<void, OptionError> check(Options& o, bool have_url) {
  if (!have_url)
    return fail(OptionErrc::Conflict, "--url is required (http://HOST:PORT or https://...)");
  if (!o.token_file.empty() && !o.keys_file.empty())
    return fail(OptionErrc::Conflict, "--token-file and --keys exclude each other");
  if (!o.keys_file.empty() && o.password_file.empty())
    return fail(OptionErrc::Conflict, "--keys needs --password-file");
  if (!o.cookie.empty() && o.uses_tokens())
    return fail(OptionErrc::Conflict, "--cookie excludes --token-file and --keys");
  if (o.scenario == Scenario::Awareness && !o.uses_tokens() && o.cookie.empty())
    return fail(OptionErrc::Conflict,
                "awareness needs credentials: --keys with --password-file, or --token-file");
  if (o.scenario == Scenario::Handshake && o.rate > 0)
    return fail(OptionErrc::Conflict, "--rate applies to the rps and awareness scenarios");
  if (o.scenario == Scenario::Rps && o.rate > 0 && o.rate < o.connections * 0.001)
    return fail(OptionErrc::Conflict,
                "--rate is the total for all connections; use at least 1 per 1000 connections");
  if (!o.url.tls && (o.insecure || !o.ca_file.empty()))
    return fail(OptionErrc::Conflict, "--insecure and --ca-file need an https:// --url");
  if (o.insecure && !o.ca_file.empty())
    return fail(OptionErrc::Conflict, "--insecure and --ca-file exclude each other");
  if (o.cookie_name.empty() || o.cookie_name.find_first_of("=; \t\r\n") != std::string::npos)
    return fail(OptionErrc::BadValue, "--cookie-name must be a plain cookie name");
  for (char c : o.user_prefix) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return fail(OptionErrc::BadValue,
                  "--user-prefix may only hold letters, digits, '-', '_' and '.'");
  }
  if (o.ramp.count() < 0)
    o.ramp = o.scenario == Scenario::Awareness ? Micros(std::chrono::seconds(1)) : Micros(0);
  if (o.threads > o.connections && o.scenario != Scenario::Awareness)
    o.threads = o.connections;
  if (o.threads > o.users && o.scenario == Scenario::Awareness)
    o.threads = o.users;
  return {};
}

} // namespace

std::string_view to_string(Scenario scenario) {
  switch (scenario) {
    case Scenario::Awareness:
      return "awareness";
    case Scenario::Rps:
      return "rps";
    case Scenario::Handshake:
      return "handshake";
  }
  return "?";
}

Micros Options::effective_duration() const {
  if (duration.count() > 0)
    return duration;
  // --requests alone: the count bounds the run, a day bounds a stuck one.
  return requests > 0 ? Micros(std::chrono::hours(24)) : Micros(std::chrono::seconds(10));
}

std::expected<Micros, OptionError> parse_duration(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.'))
    ++i;
  std::string_view number = text.substr(0, i);
  std::string_view unit = text.substr(i);
  auto bad = [&] {
    return fail(
        OptionErrc::BadValue,
        fmt::format("bad duration '{}' (use e.g. 5s, 500ms, 2m, 250us; at most 24h)", text));
  };
  double value = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value,
                                   std::chars_format::fixed);
  if (number.empty() || ec != std::errc() || end != number.data() + number.size())
    return bad();
  double scale = 0;
  if (unit == "us")
    scale = 1;
  else if (unit == "ms")
    scale = 1e3;
  else if (unit == "s")
    scale = 1e6;
  else if (unit == "m")
    scale = 60e6;
  else if (unit == "h")
    scale = 3600e6;
  else
    return bad();
  double us = value * scale;
  if (!(us <= kMaxDurationUs))
    return bad();
  return Micros(static_cast<std::int64_t>(us));
}

std::expected<Url, OptionError> parse_url(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return fail(OptionErrc::BadUrl, fmt::format("--url '{}': {}", text, why));
  };
  Url url;
  std::string_view rest = text;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    url.tls = true;
    rest.remove_prefix(8);
  } else {
    return bad("must start with http:// or https://");
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  url.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (!valid_target(url.path))
    return bad("the path must not hold spaces or control characters");
  std::string_view port_text;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos || close + 1 >= authority.size() ||
        authority[close + 1] != ':')
      return bad("write IPv6 as [addr]:port");
    url.host = std::string(authority.substr(1, close - 1));
    port_text = authority.substr(close + 2);
    in6_addr a6{};
    if (inet_pton(AF_INET6, url.host.c_str(), &a6) != 1)
      return bad("not an IPv6 address");
    url.host_header = fmt::format("[{}]:{}", url.host, port_text);
  } else {
    auto colon = authority.rfind(':');
    if (colon == std::string_view::npos)
      return bad("the port is required (http://127.0.0.1:8080)");
    url.host = std::string(authority.substr(0, colon));
    port_text = authority.substr(colon + 1);
    in_addr a4{};
    if (url.host != "localhost" && inet_pton(AF_INET, url.host.c_str(), &a4) != 1)
      return bad("the host must be a numeric address or localhost");
    url.host_header = std::string(authority);
  }
  auto port = parse_count("port", port_text, 1, 65535);
  if (!port)
    return bad("the port must be 1..65535");
  url.port = static_cast<std::uint16_t>(*port);
  return url;
}

std::expected<Options, OptionError> parse_options(std::span<const std::string_view> args) {
  Options options;
  bool have_scenario = false;
  bool have_url = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (!arg.starts_with('-')) {
      if (have_scenario)
        return fail(OptionErrc::UnknownFlag, fmt::format("unexpected argument '{}'", arg));
      auto s = parse_scenario(arg);
      if (!s)
        return std::unexpected(s.error());
      options.scenario = *s;
      have_scenario = true;
      continue;
    }
    std::string_view flag = arg;
    std::string_view value;
    bool inline_value = false;
    if (auto eq = arg.find('='); eq != std::string_view::npos && arg.starts_with("--")) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inline_value = true;
    }
    flag = long_name(flag);
    if (is_switch(flag)) {
      if (inline_value)
        return fail(OptionErrc::BadValue, fmt::format("{} takes no value", flag));
      if (auto r = apply_switch(options, flag); !r)
        return std::unexpected(r.error());
      continue;
    }
    auto it = value_flags().find(flag);
    if (it == value_flags().end())
      return fail(OptionErrc::UnknownFlag, fmt::format("unknown flag '{}'", arg));
    if (!inline_value) {
      if (i + 1 >= args.size())
        return fail(OptionErrc::MissingValue, fmt::format("{} needs a value", flag));
      value = args[++i];
    }
    if (auto r = it->second(options, value); !r)
      return std::unexpected(r.error());
    have_scenario = have_scenario || flag == "--scenario";
    have_url = have_url || flag == "--url";
  }
  if (options.help)
    return options;
  if (!have_scenario)
    return fail(OptionErrc::NoScenario, "name a scenario: awareness, rps or handshake");
  if (auto r = check(options, have_url); !r)
    return std::unexpected(r.error());
  return options;
}

std::string describe(const OptionError& error) {
  return "stgw-load: " + error.detail;
}

std::string_view usage() {
  return R"(usage: stgw-load SCENARIO --url http(s)://HOST:PORT[/path] [options]

scenarios
  awareness   -u N virtual Sametime users; each keeps one long poll parked on --poll-path
              (re-issued when answered) and asks --presence-path?user=... --rate times a second
  rps         -c N keep-alive connections in a closed loop (like wrk); --rate R paces them
              to R requests/s in total, latency counted from each request's planned start
  handshake   -c N slots, each opening a new connection (a full TLS handshake) per request

bounds (the first reached ends the run; default 10s)
  -d, --duration D        e.g. 5s, 500ms, 2m          -n, --requests N
load
  -c, --connections N     rps, handshake (default 50)  -u, --users N  awareness (default 100)
  -t, --threads N         event loops (default 1)      --rate R       see above
  --path P                request target (default: the URL's path)
  --poll-path P           default /stwebapi/poll       --presence-path P  default /stwebapi/presence
  --ramp D                spread the first connects over D (awareness default 1s, else 0)
  -H, --header "N: v"     extra request header (repeatable)
timeouts
  --timeout D (10s)  --connect-timeout D (5s, TCP and TLS each)  --poll-timeout D (120s)
  --retry-delay D (1s: an awareness user waits this long before reconnecting)
credentials (one LTPA cookie per user or connection)
  --keys FILE --password-file FILE [--user-prefix loaduser] [--ttl 2h]   mint LtpaToken2 values
  --token-file FILE       one token per line (e.g. from `stgw token mint`), used in turn
  --cookie-name NAME      default LtpaToken2           --cookie VALUE  a fixed Cookie header
TLS
  -k, --insecure          do not verify the server    --ca-file FILE  trust these CAs
  --server-name NAME      SNI and the name checked (default: the URL host)
output
  --json                  the final report as one JSON object on stdout
  --no-progress           no per-second line on stderr
)";
}

} // namespace stgw::load
