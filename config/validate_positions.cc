#include "config/loader_internal.h"

#include <algorithm>

#include <fmt/format.h>

namespace stgw::config::detail {
namespace {

// The path one level up: "a.b[2].c" → "a.b[2]" → "a.b" → "a" → "".
std::string_view parent_of(std::string_view path) {
  std::size_t cut = path.find_last_of(".[");
  return cut == std::string_view::npos ? std::string_view{} : path.substr(0, cut);
}

bool is_below(std::string_view path, std::string_view ancestor) {
  if (ancestor.empty() || path.size() <= ancestor.size() || !path.starts_with(ancestor))
    return false;
  char next = path[ancestor.size()];
  return next == '.' || next == '[';
}

bool is_bare_key(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
}

} // namespace

std::string child_path(std::string_view parent, std::string_view key) {
  // Keys that are not bare TOML keys (dots, spaces) are quoted so the path stays readable.
  std::string written = is_bare_key(key) ? std::string(key) : fmt::format("\"{}\"", key);
  if (parent.empty())
    return written;
  return fmt::format("{}.{}", parent, written);
}

std::string index_path(std::string_view parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

void SourceMap::record(std::string path, SourcePosition position) {
  positions_.insert_or_assign(std::move(path), position);
}

bool SourceMap::contains(std::string_view path) const {
  return positions_.contains(std::string(path));
}

SourcePosition SourceMap::find(std::string_view path) const {
  for (std::string_view at = path; !at.empty(); at = parent_of(at)) {
    auto it = positions_.find(std::string(at));
    if (it != positions_.end())
      return it->second;
  }
  return SourcePosition{};
}

void ErrorList::add(SourcePosition position, std::string key_path, std::string message) {
  errors_.push_back(
      ConfigError{file_, position.line, position.column, std::move(key_path), std::move(message)});
}

void ErrorList::add_unpositioned(std::string message) {
  errors_.push_back(ConfigError{file_, 0, 0, {}, std::move(message)});
}

bool ErrorList::touches(std::string_view path) const {
  return std::any_of(errors_.begin(), errors_.end(), [&](const ConfigError& error) {
    return error.key_path == path || is_below(path, error.key_path) ||
           is_below(error.key_path, path);
  });
}

std::vector<ConfigError> ErrorList::take_sorted() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  return std::move(errors_);
}

} // namespace stgw::config::detail
