#pragma once

// Shared by the TOML reader (loader) and validate.cc, private to config/: where each key path
// was written, and the list of errors found so far. Validation sees only the struct tree, so it
// asks the SourceMap where a path came from.

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "config/gateway_config.h"
#include "config/loader.h"

namespace stgw::config::detail {

struct SourcePosition {
  int line = 1; // 1-based
  int column = 1;
};

class SourceMap {
public:
  void record(std::string path, SourcePosition position);
  bool contains(std::string_view path) const;
  // The position of |path|, else of its nearest recorded ancestor ("route[1].backend" →
  // "route[1]" → "route"), else 1:1 (the root table). So a missing key points at its table.
  SourcePosition find(std::string_view path) const;

private:
  std::unordered_map<std::string, SourcePosition> positions_;
};

// Collects errors for one file. Control characters in paths and messages are escaped so that
// each error stays one line whatever the file contained.
class ErrorList {
public:
  explicit ErrorList(std::string file) : file_(std::move(file)) {}

  void add(SourcePosition position, std::string key_path, std::string message);
  // True when an error was already reported for |path|, one of its ancestors or descendants:
  // validation skips such paths so that one mistake is not reported twice. O(path depth).
  bool touches(std::string_view path) const;
  bool empty() const { return errors_.empty(); }
  // The errors in file order.
  std::vector<ConfigError> take_sorted();

private:
  std::string file_;
  std::vector<ConfigError> errors_;
  std::unordered_set<std::string> error_paths_;   // key paths of the errors
  std::unordered_set<std::string> error_parents_; // every proper ancestor of those paths
};

// A value from the file for an error message: quoted, control characters escaped, cut after 60
// bytes (at a UTF-8 boundary) so that a pasted blob stays readable.
std::string shown(std::string_view text);

// Fills |config| from TOML text, recording positions in |sources|. Reports syntax errors,
// wrong types, malformed values and unknown keys; leaves a field at its default when its value
// was rejected. Relative paths are made absolute against |base_dir|. Returns false when the
// text is not TOML at all (nothing was read, so there is nothing to validate).
bool read_toml(std::string_view text, const std::string& source_name, const std::string& base_dir,
               GatewayConfig& config, SourceMap& sources, ErrorList& errors);

// Checks the rules that span keys (references, uniqueness, required keys, files). Never throws.
void validate(const GatewayConfig& config, const SourceMap& sources, const LoadOptions& options,
              ErrorList& errors);

// A path below |parent|: "route[0]" + "timeout" → "route[0].timeout"; "" + "server" → "server".
std::string child_path(std::string_view parent, std::string_view key);
// An element of an array: "route" + 2 → "route[2]".
std::string index_path(std::string_view parent, std::size_t index);

} // namespace stgw::config::detail
