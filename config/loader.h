#pragma once

// Reads TOML into a GatewayConfig and validates it. Every problem found is reported, not just
// the first, as "file:line:col: key.path: message". Key paths name arrays of tables with 0-based
// indexes in file order: the third [[route]]'s timeout is "route[2].timeout". Relative file
// paths in the config are resolved against the config file's folder and stored absolute.

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/gateway_config.h"

namespace stgw::config {

struct ConfigError {
  std::string file;
  int line = 0;         // 1-based; 0 when the error has no position (e.g. file not found)
  int column = 0;       // 1-based
  std::string key_path; // e.g. "route[2].timeout"; empty for file and TOML syntax errors
  std::string message;  // never contains a secret (no file contents are quoted)

  std::string to_string() const; // "file:line:col: key.path: message"
};

using ConfigResult = std::expected<ConfigPtr, std::vector<ConfigError>>;

struct LoadOptions {
  // When true, validation also checks that the files the config names (certificates, keys,
  // ltpa.keys, password and secret files, CA files) exist and are readable, and that PEM files
  // contain a "-----BEGIN" line. False checks the file's own content only: for a config written
  // on one machine for another (`stgw config check --no-file-checks`) and for the example file.
  bool check_files = true;
};

// Loads and validates the file at |path|. Never throws.
ConfigResult load_config_file(const std::string& path);
ConfigResult load_config_file(const std::string& path, const LoadOptions& options);

// Loads and validates TOML text. |source_name| is used in error messages; relative paths are
// resolved against |base_dir| (itself made absolute against the working directory). The
// result's source_path is empty. Never throws.
ConfigResult load_config_string(std::string_view toml_text, const std::string& source_name,
                                const std::string& base_dir);
ConfigResult load_config_string(std::string_view toml_text, const std::string& source_name,
                                const std::string& base_dir, const LoadOptions& options);

// Parses "90s", "5m", "250ms", "1h", "2h30m": one or more <digits><unit> groups, units "ms",
// "s", "m", "h", with an optional leading '-' (only sso.expiry_diff_tolerance accepts a negative
// value). nullopt when malformed, without unit (a bare "90"), or beyond ±2^62 ms.
std::optional<Duration> parse_duration(std::string_view text);

// Parses "host:port" or "[v6]:port"; port 0-65535. The host may be empty (":443" = every
// interface, for listeners); a name, an IPv4 literal or a bracketed IPv6 literal otherwise.
// nullopt for a missing port, an unbracketed IPv6 address or characters a host cannot contain.
std::optional<HostPort> parse_host_port(std::string_view text);

} // namespace stgw::config
