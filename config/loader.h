#pragma once

// Reads TOML into a GatewayConfig and validates it. Every problem found is reported, not just
// the first, as "file:line:col: key.path: message". Relative file paths in the config are
// resolved against the config file's folder.

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "config/gateway_config.h"

namespace stgw::config {

struct ConfigError {
  std::string file;
  int line = 0;   // 1-based; 0 when the error has no position (e.g. file not found)
  int column = 0; // 1-based
  std::string key_path; // e.g. "route[2].timeout"
  std::string message;

  std::string to_string() const; // "file:line:col: key.path: message"
};

using ConfigResult = std::expected<ConfigPtr, std::vector<ConfigError>>;

// Loads and validates the file at |path|. Never throws.
ConfigResult load_config_file(const std::string& path);

// Loads and validates TOML text. |source_name| is used in error messages; relative paths are
// resolved against |base_dir|. Never throws.
ConfigResult load_config_string(std::string_view toml_text, const std::string& source_name,
                                const std::string& base_dir);

// Parses "90s", "5m", "250ms", "1h", "2h30m"; nullopt when malformed or without unit.
std::optional<Duration> parse_duration(std::string_view text);

// Parses "host:port" or "[v6]:port".
std::optional<HostPort> parse_host_port(std::string_view text);

} // namespace stgw::config
