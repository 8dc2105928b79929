#pragma once

// A java.util.Properties reader and writer, enough for WebSphere's ltpa.keys exports: comment
// lines, "\"-newline continuation, key/value separators '=', ':' or whitespace, the escapes
// \t \n \r \f \uXXXX and "\x" → x. The file is ISO-8859-1; keys and values come back as UTF-8.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stgw::ssoauth {

class Properties {
public:
  // nullopt when an escape is malformed (bad \uXXXX, lone surrogate). Never throws.
  static std::optional<Properties> parse(std::string_view iso_8859_1_text);

  // The last value given for |key| (later lines override earlier ones, as in Java).
  const std::string* find(std::string_view key) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// Escapes a UTF-8 value the way Properties.store() does: '\', '=', ':', '#', '!', a leading
// space, control characters, and everything outside printable ASCII as \uXXXX.
std::string escape_property_value(std::string_view utf8_value);

} // namespace stgw::ssoauth
