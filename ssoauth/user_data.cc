#include "ssoauth/user_data.h"

#include <algorithm>

#include "ssoauth/utf8.h"

namespace stgw::ssoauth {
namespace {

bool is_escapable(char c) {
  return c == '%' || c == '$' || c == ':' || c == '|' || c == '\\';
}

// True when text[i] is preceded by an odd number of backslashes.
bool is_escaped(std::string_view text, std::size_t i) {
  std::size_t count = 0;
  while (i > count && text[i - count - 1] == '\\')
    ++count;
  return count % 2 == 1;
}

// Splits at every unescaped |delimiter|.
std::vector<std::string_view> split_unescaped(std::string_view text, char delimiter) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == delimiter && !is_escaped(text, i)) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(text.substr(start));
  return parts;
}

std::size_t find_unescaped(std::string_view text, char c, std::size_t from = 0) {
  for (std::size_t i = from; i < text.size(); ++i)
    if (text[i] == c && !is_escaped(text, i))
      return i;
  return std::string_view::npos;
}

bool contains_escaped(std::string_view text, char c) {
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == c && is_escaped(text, i))
      return true;
  return false;
}

std::optional<std::vector<std::string>> parse_values(std::string_view name, std::string_view raw) {
  std::vector<std::string> values;
  if (name == "u") {
    // IBM unescapes the access id whole: a '|' in it is part of the name.
    values.push_back(unescape_ltpa_value(raw));
    return values;
  }
  // IBM splits other values at every '|' before unescaping, so "a\|b" becomes ["a\", "b"]
  // and can never verify; refuse it here (vector ltpa2-pipe-in-attribute).
  if (contains_escaped(raw, '|'))
    return std::nullopt;
  for (std::string_view item : split_unescaped(raw, '|')) {
    if (item.empty())
      return std::nullopt;
    values.push_back(unescape_ltpa_value(item));
  }
  return values;
}

} // namespace

std::string escape_ltpa_value(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 8);
  for (char c : value) {
    if (is_escapable(c))
      out += '\\';
    out += c;
  }
  return out;
}

std::string unescape_ltpa_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size() && is_escapable(value[i + 1])) {
      out += value[++i];
      continue;
    }
    out += value[i];
  }
  return out;
}

std::optional<AttributeList> parse_user_data(std::string_view body) {
  if (body.empty())
    return std::nullopt;
  AttributeList attributes;
  int user_count = 0;
  for (std::string_view segment : split_unescaped(body, '$')) {
    std::size_t colon = find_unescaped(segment, ':');
    if (colon == 0 || colon == std::string_view::npos)
      return std::nullopt;
    std::string_view name = segment.substr(0, colon);
    std::string_view raw = segment.substr(colon + 1);
    if (raw.empty() || name.find('\\') != std::string_view::npos)
      return std::nullopt;
    if (find_unescaped(raw, ':') != std::string_view::npos)
      return std::nullopt;
    auto values = parse_values(name, raw);
    if (!values)
      return std::nullopt;
    if (name == "u")
      ++user_count;
    auto existing = std::find_if(attributes.begin(), attributes.end(),
                                 [&](const Attribute& a) { return a.name == name; });
    if (existing != attributes.end())
      existing->values = std::move(*values);
    else
      attributes.push_back(Attribute{std::string(name), std::move(*values)});
  }
  if (user_count != 1)
    return std::nullopt;
  return attributes;
}

std::string serialize_user_data(const AttributeList& attributes) {
  std::vector<const Attribute*> sorted;
  sorted.reserve(attributes.size());
  for (const auto& a : attributes)
    sorted.push_back(&a);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Attribute* x, const Attribute* y) {
    return compare_utf16(x->name, y->name) < 0;
  });
  std::string out;
  for (const Attribute* a : sorted) {
    if (!out.empty())
      out += '$';
    out += a->name;
    out += ':';
    for (std::size_t i = 0; i < a->values.size(); ++i) {
      if (i > 0)
        out += '|';
      out += escape_ltpa_value(a->values[i]);
    }
  }
  return out;
}

const std::vector<std::string>* find_attribute(const AttributeList& attributes,
                                               std::string_view name) {
  for (const auto& a : attributes)
    if (a.name == name)
      return &a.values;
  return nullptr;
}

std::optional<AccessId> split_access_id(std::string_view access_id) {
  constexpr std::string_view kPrefix = "user:";
  if (!access_id.starts_with(kPrefix))
    return std::nullopt;
  std::string_view rest = access_id.substr(kPrefix.size());
  std::size_t slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 == rest.size())
    return std::nullopt;
  return AccessId{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
}

std::string make_access_id(std::string_view realm, std::string_view name) {
  std::string out = "user:";
  out += realm;
  out += '/';
  out += name;
  return out;
}

} // namespace stgw::ssoauth
