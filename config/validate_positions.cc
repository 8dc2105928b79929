#include "config/loader_internal.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace stgw::config::detail {
namespace {

// The path one level up: "a.b[2].c" → "a.b[2]" → "a.b" → "a" → "".
std::string_view parent_of(std::string_view path) {
  std::size_t cut = path.find_last_of(".[");
  return cut == std::string_view::npos ? std::string_view{} : path.substr(0, cut);
}

// Escapes bytes below 0x20 and 0x7f as \xNN: one error, one line.
std::string escape_controls(std::string text) {
  if (std::none_of(text.begin(), text.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    return text;
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  return out;
}

// At most |limit| bytes of |text|, not ending inside a UTF-8 sequence.
std::string_view cut(std::string_view text, std::size_t limit) {
  if (text.size() <= limit)
    return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  return text.substr(0, end);
}

bool is_bare_key(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
}

} // namespace

std::string shown(std::string_view text) {
  constexpr std::size_t kMax = 60;
  std::string_view kept = cut(text, kMax);
  return fmt::format("\"{}{}\"", kept, kept.size() < text.size() ? "..." : "");
}

std::string child_path(std::string_view parent, std::string_view key) {
  // Keys that are not bare TOML keys (dots, spaces) are quoted so the path stays readable; an
  // absurdly long key (only an unknown one can be) is cut.
  constexpr std::size_t kMaxKey = 64;
  std::string written = is_bare_key(key) && key.size() <= kMaxKey ? std::string(key) : shown(key);
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
  key_path = escape_controls(std::move(key_path));
  for (std::string_view at = parent_of(key_path); !at.empty(); at = parent_of(at))
    if (!error_parents_.emplace(at).second)
      break; // its ancestors are in already
  error_paths_.insert(key_path);
  errors_.push_back(ConfigError{file_, position.line, position.column, std::move(key_path),
                                escape_controls(std::move(message))});
}

bool ErrorList::touches(std::string_view path) const {
  std::string key(path);
  if (error_paths_.contains(key) || error_parents_.contains(key))
    return true;
  for (std::string_view at = parent_of(path); !at.empty(); at = parent_of(at))
    if (error_paths_.contains(std::string(at)))
      return true;
  return false;
}

std::vector<ConfigError> ErrorList::take_sorted() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  return std::move(errors_);
}

} // namespace stgw::config::detail
