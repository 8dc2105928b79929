#include "config/loader.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "config/source_map_internal.h"

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
