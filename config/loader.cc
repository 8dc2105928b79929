// Loading a config: reading the file, then the TOML half (types, formats and unknown keys, each
// value on its own); validate.cc then checks what the values mean together. toml++ stays
// inside this file.
#include "config/loader.h"

#include <arpa/inet.h>

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <span>
#include <sstream>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include "config/loader_internal.h"

namespace stgw::config {
namespace {

namespace fs = std::filesystem;

// Config files are a few kilobytes; a larger file is a mistake (a log, a binary), not a config.
constexpr std::uintmax_t kMaxConfigBytes = 4u << 20;
// Durations are kept below 2^62 ms so sums of two never overflow the signed 64-bit count.
constexpr std::int64_t kMaxDurationMs = std::int64_t{1} << 62;

std::optional<std::int64_t> unit_to_ms(std::string_view unit) {
  if (unit == "ms")
    return 1;
  if (unit == "s")
    return 1000;
  if (unit == "m")
    return 60 * 1000;
  if (unit == "h")
    return 60 * 60 * 1000;
  return std::nullopt;
}

bool is_host_char(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_';
}

// A DNS name or an IPv4 literal, loosely: no empty labels, and a dotted quad must be a real one
// ("999.1.1.1" would otherwise pass as a name and fail only at resolve time).
bool is_valid_host_name(std::string_view host) {
  if (!std::all_of(host.begin(), host.end(),
                   [](char c) { return is_host_char(static_cast<unsigned char>(c)); }))
    return false;
  if (host.empty())
    return true; // ":443": every interface
  if (host.front() == '.' || host.back() == '.' || host.front() == '-' ||
      host.find("..") != std::string_view::npos)
    return false;
  bool numeric = std::all_of(host.begin(), host.end(),
                             [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
  in_addr scratch{};
  return !numeric || inet_pton(AF_INET, std::string(host).c_str(), &scratch) == 1;
}

// Reads the whole file or explains why not. The message names the path, never the content.
std::expected<std::string, std::string> read_file(const std::string& path) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status))
    return std::unexpected("cannot open: file not found");
  if (fs::is_directory(status))
    return std::unexpected("cannot open: is a directory");
  auto size = fs::file_size(path, ec);
  if (!ec && size > kMaxConfigBytes)
    return std::unexpected(
        fmt::format("file is too large ({} bytes, at most {})", size, kMaxConfigBytes));
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::unexpected(fmt::format("cannot open: {}", std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return std::unexpected("cannot read the file");
  return std::move(text).str();
}

ConfigResult load(std::string_view text, const std::string& source_name,
                  const std::string& base_dir, std::string source_path,
                  const LoadOptions& options) {
  detail::ErrorList errors(source_name);
  auto config = std::make_shared<GatewayConfig>();
  config->source_path = std::move(source_path);
  detail::SourceMap sources;
  if (detail::read_toml(text, source_name, base_dir, *config, sources, errors))
    detail::validate(*config, sources, options, errors);
  if (!errors.empty())
    return std::unexpected(errors.take_sorted());
  return ConfigPtr(std::move(config));
}

// The library never throws to its callers; anything unexpected (allocation failure) becomes one
// error instead.
template <typename Fn> ConfigResult guarded(const std::string& source_name, Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const std::exception& e) {
    return std::unexpected(std::vector<ConfigError>{
        ConfigError{source_name, 0, 0, {}, fmt::format("internal error: {}", e.what())}});
  } catch (...) {
    return std::unexpected(
        std::vector<ConfigError>{ConfigError{source_name, 0, 0, {}, "internal error"}});
  }
}

} // namespace

std::string ConfigError::to_string() const {
  std::string out = file;
  if (line > 0)
    out += fmt::format(":{}:{}", line, column);
  out += ": ";
  if (!key_path.empty())
    out += key_path + ": ";
  out += message;
  return out;
}

ConfigResult load_config_file(const std::string& path) {
  return load_config_file(path, {});
}

ConfigResult load_config_file(const std::string& path, const LoadOptions& options) {
  return guarded(path, [&]() -> ConfigResult {
    auto text = read_file(path);
    if (!text)
      return std::unexpected(std::vector<ConfigError>{{path, 0, 0, {}, text.error()}});
    std::error_code ec;
    fs::path absolute = fs::absolute(path, ec).lexically_normal();
    if (ec)
      absolute = path;
    return load(*text, path, absolute.parent_path().string(), absolute.string(), options);
  });
}

ConfigResult load_config_string(std::string_view toml_text, const std::string& source_name,
                                const std::string& base_dir) {
  return load_config_string(toml_text, source_name, base_dir, {});
}

ConfigResult load_config_string(std::string_view toml_text, const std::string& source_name,
                                const std::string& base_dir, const LoadOptions& options) {
  return guarded(source_name, [&]() -> ConfigResult {
    std::error_code ec;
    fs::path base = fs::absolute(base_dir.empty() ? fs::path(".") : fs::path(base_dir), ec);
    if (ec)
      base = base_dir;
    return load(toml_text, source_name, base.lexically_normal().string(), {}, options);
  });
}

std::optional<Duration> parse_duration(std::string_view text) {
  bool negative = text.starts_with('-');
  if (negative)
    text.remove_prefix(1);
  if (text.empty())
    return std::nullopt;
  std::int64_t total = 0;
  while (!text.empty()) {
    // from_chars would take a sign; only digits may start a group ("5m-3s" is malformed).
    if (!std::isdigit(static_cast<unsigned char>(text.front())))
      return std::nullopt;
    std::int64_t amount = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), amount);
    if (ec != std::errc{} || end == text.data())
      return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    std::size_t unit_length = 0;
    while (unit_length < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_length])))
      ++unit_length;
    auto scale = unit_to_ms(text.substr(0, unit_length));
    if (!scale)
      return std::nullopt; // no unit, or one we do not know
    text.remove_prefix(unit_length);
    if (amount > (kMaxDurationMs - total) / *scale)
      return std::nullopt;
    total += amount * *scale;
  }
  return Duration(negative ? -total : total);
}

std::optional<HostPort> parse_host_port(std::string_view text) {
  HostPort result;
  std::string_view port_text;
  if (text.starts_with('[')) {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    result.host = std::string(text.substr(1, close - 1));
    in6_addr scratch{};
    if (inet_pton(AF_INET6, result.host.c_str(), &scratch) != 1)
      return std::nullopt;
    port_text = text.substr(close + 2);
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return std::nullopt;
    std::string_view host = text.substr(0, colon);
    // Any colon left in the host is an IPv6 literal written without brackets: ambiguous.
    if (!is_valid_host_name(host))
      return std::nullopt;
    result.host = std::string(host);
    port_text = text.substr(colon + 1);
  }
  if (port_text.empty() || port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  unsigned port = 0;
  std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port > std::numeric_limits<std::uint16_t>::max())
    return std::nullopt;
  result.port = static_cast<std::uint16_t>(port);
  return result;
}

} // namespace stgw::config

namespace stgw::config::detail {
namespace {

namespace fs = std::filesystem;

SourcePosition position_of(const toml::source_region& region) {
  // Nodes toml++ creates implicitly ([a.b] creates a) carry the position of the header that
  // created them; guard against an empty region all the same.
  if (region.begin.line == 0)
    return SourcePosition{};
  return SourcePosition{static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// ", did you mean \"x\"?" for the closest known key within two edits, else "".
std::string suggestion(std::string_view key, const std::vector<std::string>& known) {
  const std::string* best = nullptr;
  std::size_t best_distance = 3;
  for (const auto& candidate : known) {
    std::size_t distance = edit_distance(key, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = &candidate;
    }
  }
  return best ? fmt::format(" (did you mean \"{}\"?)", *best) : std::string{};
}

struct Context {
  std::string base_dir;
  SourceMap& sources;
  ErrorList& errors;
};

template <typename Enum> using Choices = std::span<const std::pair<std::string_view, Enum>>;

template <typename Enum> std::string choice_list(std::type_identity_t<Choices<Enum>> choices) {
  std::string out;
  for (const auto& [name, value] : choices) {
    if (!out.empty())
      out += ", ";
    out += fmt::format("\"{}\"", name);
  }
  return out;
}

// One TOML table being read. Each getter declares its key known, records where the value was
// written and reports a wrong type or format; a rejected value leaves the field at its default.
// finish() reports every key no getter asked for.
class Section {
public:
  Section(Context& context, const toml::table& table, std::string path)
      : context_(context), table_(table), path_(std::move(path)) {
    if (!path_.empty())
      context_.sources.record(path_, position_of(table_.source()));
  }

  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return child_path(path_, key); }

  // The raw value of |key| (nullptr when absent); declares the key and records its position.
  const toml::node* get(std::string_view key) {
    known_.emplace_back(key);
    const toml::node* node = table_.get(key);
    if (node)
      context_.sources.record(path_of(key), position_of(node->source()));
    return node;
  }

  void error_at(const toml::node& node, std::string path, std::string message) {
    context_.errors.add(position_of(node.source()), std::move(path), std::move(message));
  }

  void type_error(const toml::node& node, std::string path, std::string_view expected) {
    error_at(node, std::move(path),
             fmt::format("expected {}, found {}", expected, type_name(node)));
  }

  const toml::node* get_typed(std::string_view key, toml::node_type type,
                              std::string_view expected) {
    const toml::node* node = get(key);
    if (node && node->type() != type) {
      type_error(*node, path_of(key), expected);
      return nullptr;
    }
    return node;
  }

  void string(std::string_view key, std::string& out) {
    if (auto* node = get_typed(key, toml::node_type::string, "a string"))
      out = node->as_string()->get();
  }

  void boolean(std::string_view key, bool& out) {
    if (auto* node = get_typed(key, toml::node_type::boolean, "a boolean (true or false)"))
      out = node->as_boolean()->get();
  }

  // Integers are read as written; rules such as ">= 0" belong to validate.cc, but a value the
  // field cannot hold (negative for an unsigned size, beyond the type's range) is rejected here.
  template <typename Int> void integer(std::string_view key, Int& out) {
    auto* node = get_typed(key, toml::node_type::integer, "an integer");
    if (!node)
      return;
    std::int64_t value = node->as_integer()->get();
    if constexpr (std::is_unsigned_v<Int>) {
      if (value < 0)
        return error_at(*node, path_of(key), "must not be negative");
      if (static_cast<std::uint64_t>(value) > std::numeric_limits<Int>::max())
        return error_at(*node, path_of(key), "is too large");
    } else {
      if (value < std::numeric_limits<Int>::min() || value > std::numeric_limits<Int>::max())
        return error_at(
            *node, path_of(key),
            fmt::format("is out of range (at most {})", std::numeric_limits<Int>::max()));
    }
    out = static_cast<Int>(value);
  }

  void duration(std::string_view key, Duration& out) {
    const toml::node* node = get(key);
    if (!node)
      return;
    if (auto parsed = duration_value(*node, path_of(key)))
      out = *parsed;
  }

  std::optional<Duration> duration_value(const toml::node& node, std::string path) {
    if (node.is_integer() || node.is_floating_point()) {
      error_at(node, std::move(path), "duration needs a unit, e.g. \"90s\"");
      return std::nullopt;
    }
    if (!node.is_string()) {
      type_error(node, std::move(path), "a duration string such as \"90s\"");
      return std::nullopt;
    }
    const std::string& text = node.as_string()->get();
    if (auto parsed = parse_duration(text))
      return parsed;
    bool bare_number = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
      return (c >= '0' && c <= '9') || c == '-' || c == '.';
    });
    error_at(node, std::move(path),
             bare_number ? "duration needs a unit, e.g. \"90s\""
                         : fmt::format("invalid duration {}: write a number and a unit (ms, s, "
                                       "m, h), e.g. \"90s\", \"250ms\", \"1h30m\"",
                                       shown(text)));
    return std::nullopt;
  }

  // A file path, made absolute against the config file's folder.
  void file_path(std::string_view key, std::string& out) {
    std::string written;
    string(key, written);
    if (!written.empty())
      out = resolve(written);
  }

  std::string resolve(const std::string& written) const {
    fs::path path(written);
    if (path.is_relative())
      path = fs::path(context_.base_dir) / path;
    return path.lexically_normal().string();
  }

  // "host:port"; |present| tells validation whether the key was written at all.
  void host_port(std::string_view key, HostPort& out) {
    if (auto* node = get_typed(key, toml::node_type::string, "a \"host:port\" string"))
      host_port_value(*node, path_of(key), out);
  }

  void host_port_value(const toml::node& node, std::string path, HostPort& out) {
    const std::string& text = node.as_string()->get();
    if (auto parsed = parse_host_port(text)) {
      out = std::move(*parsed);
      return;
    }
    error_at(node, std::move(path),
             fmt::format("invalid address {}: expected \"host:port\" or \"[ipv6]:port\" with a "
                         "port from 0 to 65535",
                         shown(text)));
  }

  void string_list(std::string_view key, std::vector<std::string>& out) {
    auto* array = array_value(key);
    if (!array)
      return;
    // All or nothing, so that validation's "key[i]" paths match the file's elements.
    std::vector<std::string> values;
    bool all_strings = true;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = *array->get(i);
      std::string element_path = index_path(path_of(key), i);
      context_.sources.record(element_path, position_of(element.source()));
      if (!element.is_string()) {
        type_error(element, element_path, "a string");
        all_strings = false;
        continue;
      }
      values.push_back(element.as_string()->get());
    }
    if (all_strings)
      out = std::move(values);
  }

  template <typename Enum>
  void choice(std::string_view key, Enum& out, std::type_identity_t<Choices<Enum>> choices) {
    if (auto* node = get_typed(key, toml::node_type::string,
                               fmt::format("a string ({})", choice_list<Enum>(choices))))
      if (auto value = choice_value<Enum>(*node, path_of(key), choices))
        out = *value;
  }

  template <typename Enum>
  std::optional<Enum> choice_value(const toml::node& node, std::string path,
                                   std::type_identity_t<Choices<Enum>> choices) {
    const std::string& text = node.as_string()->get();
    for (const auto& [name, value] : choices)
      if (text == name)
        return value;
    error_at(node, std::move(path),
             fmt::format("unknown value {}: expected one of {}", shown(text),
                         choice_list<Enum>(choices)));
    return std::nullopt;
  }

  const toml::array* array_value(std::string_view key) {
    auto* node = get_typed(key, toml::node_type::array, "an array");
    return node ? node->as_array() : nullptr;
  }

  // A sub-table ([server] or key = { ... }); nullopt when absent or of another type.
  std::optional<Section> table(std::string_view key) {
    auto* node = get_typed(key, toml::node_type::table, "a table");
    if (!node)
      return std::nullopt;
    return Section(context_, *node->as_table(), path_of(key));
  }

  // An array of tables ([[route]] or key = [ { ... }, ... ]): calls |read| once per element
  // with a Section named "key[i]". A non-table element is reported and read as an empty table
  // so that the indexes of the struct vector and of the file stay the same.
  template <typename Fn> void each_table(std::string_view key, Fn&& read) {
    const toml::node* node = get(key);
    if (!node)
      return;
    if (!node->is_array()) {
      if (node->is_table())
        return error_at(*node, path_of(key),
                        fmt::format("expected an array of tables ([[{}]]), found a single table "
                                    "([{}])",
                                    path_of(key), path_of(key)));
      return type_error(*node, path_of(key), "an array of tables");
    }
    const toml::array& array = *node->as_array();
    static const toml::table kEmpty;
    for (std::size_t i = 0; i < array.size(); ++i) {
      const toml::node& element = *array.get(i);
      std::string element_path = index_path(path_of(key), i);
      const toml::table* element_table = element.as_table();
      if (!element_table) {
        type_error(element, element_path, "a table");
        element_table = &kEmpty;
      }
      Section section(context_, *element_table, element_path);
      context_.sources.record(element_path, position_of(element.source()));
      read(section, element, i);
    }
  }

  // Reports the keys that no getter declared.
  void finish() {
    for (const auto& [key, node] : table_) {
      std::string_view name = key.str();
      if (std::find(known_.begin(), known_.end(), name) != known_.end())
        continue;
      context_.errors.add(position_of(key.source()), path_of(name),
                          "unknown key" + suggestion(name, known_));
    }
  }

  Context& context() { return context_; }

private:
  Context& context_;
  const toml::table& table_;
  std::string path_;
  std::vector<std::string> known_;
};

constexpr std::pair<std::string_view, TokenFormat> kTokenFormats[] = {
    {"ltpa2", TokenFormat::Ltpa2}, {"ltpa1", TokenFormat::Ltpa1}, {"domino", TokenFormat::Domino}};
constexpr std::pair<std::string_view, AuthMode> kAuthModes[] = {
    {"required", AuthMode::Required}, {"optional", AuthMode::Optional}, {"none", AuthMode::None}};
constexpr std::pair<std::string_view, UnauthenticatedAction> kUnauthenticatedActions[] = {
    {"401", UnauthenticatedAction::Reject401}, {"redirect", UnauthenticatedAction::Redirect}};
constexpr std::pair<std::string_view, Affinity> kAffinities[] = {
    {"jsessionid", Affinity::JSessionId}, {"user", Affinity::User}, {"none", Affinity::None}};

void read_server(Section& s, ServerConfig& c) {
  s.integer("workers", c.workers);
  s.duration("drain_timeout", c.drain_timeout);
  s.integer("max_header_bytes", c.max_header_bytes);
  s.integer("max_uri_bytes", c.max_uri_bytes);
  s.integer("max_body_bytes", c.max_body_bytes);
  s.duration("keepalive_timeout", c.keepalive_timeout);
  s.duration("header_timeout", c.header_timeout);
  s.integer("busy_poll_us", c.busy_poll_us);
  s.finish();
}

void read_budget(Section& s, BudgetConfig& c) {
  s.integer("nofile_reserve", c.nofile_reserve);
  s.integer("max_client_connections", c.max_client_connections);
  s.integer("max_connections_per_ip", c.max_connections_per_ip);
  s.integer("max_connections_per_user", c.max_connections_per_user);
  s.integer("max_parked_per_user", c.max_parked_per_user);
  s.finish();
}

void read_certificate(Section& s, CertificateConfig& c) {
  s.file_path("certificate", c.certificate);
  s.file_path("private_key", c.private_key);
}

// tls = { certificate, private_key } or tls = { certificates = [ {...}, ... ] }.
void read_listener_tls(Section& s, ListenerTlsConfig& c) {
  CertificateConfig single;
  read_certificate(s, single);
  bool has_single = s.context().sources.contains(s.path_of("certificate")) ||
                    s.context().sources.contains(s.path_of("private_key"));
  s.each_table("certificates", [&](Section& element, const toml::node&, std::size_t) {
    read_certificate(element, c.certificates.emplace_back());
    element.finish();
  });
  if (has_single && s.context().sources.contains(s.path_of("certificates"))) {
    s.context().errors.add(s.context().sources.find(s.path_of("certificates")),
                           s.path_of("certificates"),
                           "write either certificate and private_key, or certificates = [...], "
                           "not both");
  } else if (has_single) {
    c.certificates.push_back(std::move(single));
  }
  s.string("min_version", c.min_version);
  s.finish();
}

void read_listener(Section& s, ListenerConfig& c) {
  s.string("name", c.name);
  s.host_port("address", c.address);
  s.string_list("alpn", c.alpn);
  if (auto tls = s.table("tls"))
    read_listener_tls(*tls, c.tls.emplace());
  s.finish();
  // The name labels metrics and logs; the address is a fine one when none is written.
  if (!s.context().sources.contains(s.path_of("name")))
    c.name = c.address.to_string();
}

void read_admin(Section& s, AdminConfig& c) {
  if (auto* node = s.get_typed("address", toml::node_type::string, "a \"host:port\" string")) {
    const std::string& text = node->as_string()->get();
    if (text.empty() || text == "off") {
      c.address.reset();
    } else {
      c.address.emplace();
      s.host_port_value(*node, s.path_of("address"), *c.address);
    }
  }
  s.finish();
}

void read_sso(Section& s, SsoConfig& c) {
  s.string("domain", c.domain);
  s.string("cookie_v1", c.cookie_v1);
  s.string("cookie_v2", c.cookie_v2);
  if (auto* array = s.array_value("accept")) {
    // All or nothing, as in Section::string_list.
    std::vector<TokenFormat> formats;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = *array->get(i);
      std::string path = index_path(s.path_of("accept"), i);
      s.context().sources.record(path, position_of(element.source()));
      if (!element.is_string()) {
        s.type_error(element, path, "a string (\"ltpa2\", \"ltpa1\", \"domino\")");
        continue;
      }
      if (auto format = s.choice_value<TokenFormat>(element, path, kTokenFormats))
        formats.push_back(*format);
    }
    if (formats.size() == array->size())
      c.accept = std::move(formats);
  }
  s.duration("clock_skew", c.clock_skew);
  s.duration("expiry_diff_tolerance", c.expiry_diff_tolerance);
  s.integer("cache_entries", c.cache_entries);
  s.string("login_url", c.login_url);
  s.string("identity_header", c.identity_header);
  s.each_table("keys", [&](Section& key, const toml::node&, std::size_t) {
    KeyFileConfig& k = c.keys.emplace_back();
    key.file_path("file", k.file);
    key.file_path("password_file", k.password_file);
    key.string("realm", k.realm);
    key.finish();
  });
  s.each_table("domino", [&](Section& domino, const toml::node&, std::size_t) {
    domino.file_path("secret_file", c.domino.emplace_back().secret_file);
    domino.finish();
  });
  s.finish();
}

// A servers element: "host:port" or { address = "host:port", clone_id = "c1" }.
void read_backend_server(Section& parent, const toml::node& element, std::string path,
                         BackendServerConfig& c) {
  parent.context().sources.record(path, position_of(element.source()));
  if (element.is_string())
    return parent.host_port_value(element, std::move(path), c.address);
  if (!element.is_table())
    return parent.type_error(element, std::move(path),
                             "\"host:port\" or { address = \"host:port\", clone_id = \"...\" }");
  Section server(parent.context(), *element.as_table(), std::move(path));
  server.host_port("address", c.address);
  server.string("clone_id", c.clone_id);
  server.finish();
  // The table form is known only here; validation sees an unset address either way.
  if (!server.context().sources.contains(server.path_of("address")))
    server.error_at(element, server.path_of("address"), "missing required key");
}

void read_health_check(Section& s, HealthCheckConfig& c) {
  s.boolean("enabled", c.enabled);
  s.string("path", c.path);
  s.duration("interval", c.interval);
  s.duration("timeout", c.timeout);
  s.finish();
}

void read_backend(Section& s, BackendConfig& c) {
  s.string("name", c.name);
  if (auto* servers = s.array_value("servers")) {
    for (std::size_t i = 0; i < servers->size(); ++i)
      read_backend_server(s, *servers->get(i), index_path(s.path_of("servers"), i),
                          c.servers.emplace_back());
  }
  if (auto tls = s.table("tls")) {
    BackendTlsConfig& t = c.tls.emplace();
    tls->file_path("ca_file", t.ca_file);
    tls->boolean("verify", t.verify);
    tls->string("server_name", t.server_name);
    tls->finish();
  }
  s.choice("affinity", c.affinity, kAffinities);
  if (auto health = s.table("health_check"))
    read_health_check(*health, c.health_check);
  s.duration("connect_timeout", c.connect_timeout);
  s.integer("max_connections_per_server", c.max_connections_per_server);
  s.integer("max_idle_per_server", c.max_idle_per_server);
  s.duration("idle_timeout", c.idle_timeout);
  s.duration("queue_timeout", c.queue_timeout);
  s.finish();
}

void read_route(Section& s, RouteConfig& c) {
  s.string("prefix", c.prefix);
  s.string("host", c.host);
  s.string("backend", c.backend);
  s.choice("auth", c.auth, kAuthModes);
  s.choice("on_unauthenticated", c.on_unauthenticated, kUnauthenticatedActions);
  s.duration("timeout", c.timeout);
  s.duration("idle_timeout", c.idle_timeout);
  s.finish();
}

void read_access_log(Section& s, AccessLogConfig& c) {
  std::string path;
  s.string("path", path);
  // "" (off) and "-" (stdout) are not files.
  c.path = (path.empty() || path == "-") ? path : s.resolve(path);
  s.string("format", c.format);
  s.boolean("include_query", c.include_query);
  s.duration("flush_interval", c.flush_interval);
  s.finish();
}

void read_integration(Section& s, IntegrationConfig& c) {
  s.string("public_url", c.public_url);
  s.string_list("inotes_servers", c.inotes_servers);
  s.string("connections_url", c.connections_url);
  s.string("portal_url", c.portal_url);
  s.string("sametime_version", c.sametime_version);
  s.finish();
}

void read_root(Section& root, GatewayConfig& c) {
  if (auto s = root.table("server"))
    read_server(*s, c.server);
  if (auto s = root.table("budget"))
    read_budget(*s, c.budget);
  root.each_table("listener", [&](Section& s, const toml::node&, std::size_t) {
    read_listener(s, c.listeners.emplace_back());
  });
  if (auto s = root.table("admin"))
    read_admin(*s, c.admin);
  if (auto s = root.table("sso"))
    read_sso(*s, c.sso.emplace());
  root.each_table("backend", [&](Section& s, const toml::node&, std::size_t) {
    read_backend(s, c.backends.emplace_back());
  });
  root.each_table("route", [&](Section& s, const toml::node&, std::size_t) {
    read_route(s, c.routes.emplace_back());
  });
  if (auto s = root.table("access_log"))
    read_access_log(*s, c.access_log);
  if (auto s = root.table("integration"))
    read_integration(*s, c.integration);
  root.finish();
}

} // namespace

bool read_toml(std::string_view text, const std::string& source_name, const std::string& base_dir,
               GatewayConfig& config, SourceMap& sources, ErrorList& errors) {
  toml::table document;
  try {
    document = toml::parse(text, std::string_view(source_name));
  } catch (const toml::parse_error& e) {
    errors.add(position_of(e.source()), {}, fmt::format("TOML syntax error: {}", e.description()));
    return false;
  }
  Context context{base_dir, sources, errors};
  Section root(context, document, {});
  read_root(root, config);
  return true;
}

} // namespace stgw::config::detail
