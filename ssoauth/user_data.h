#pragma once

// The LTPA "user data" body shared by LtpaToken2 and WebSphere LtpaToken v1 (SPEC §5.2, §5.3):
//   body = attr *( "$" attr ),  attr = name ":" value *( "|" value )
// with '%', '$', ':', '|' and '\' inside values escaped by a backslash.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stgw::ssoauth {

struct Attribute {
  std::string name;
  std::vector<std::string> values; // unescaped; never empty

  bool operator==(const Attribute&) const = default;
};
using AttributeList = std::vector<Attribute>;

// Prefixes each of % $ : | \ with a backslash (IBM LTPATokenizer.escape).
std::string escape_ltpa_value(std::string_view value);
// "\x" → x for those five characters; any other backslash is kept (IBM LTPATokenizer.unescape).
std::string unescape_ltpa_value(std::string_view value);

// Parses a body into attributes in body order. Delimiters count as escaped only after an odd
// number of backslashes (IBM looks at one character and mis-splits "…\\$"; SPEC §5.3 says not
// to copy that). Refused (nullopt): an empty body, a segment without ':' or with an empty name
// or value, a raw ':' inside a value, a name containing '\', an escaped '|' or an empty item
// in a multi-valued (non-"u") attribute — IBM cannot verify such tokens either — and anything
// but exactly one "u". A repeated non-"u" name keeps its last occurrence, as IBM's map does.
std::optional<AttributeList> parse_user_data(std::string_view body);

// IBM's canonical form (LTPATokenizer.createUserData): attributes sorted by name in Java
// String order, values escaped and joined by '|', attributes joined by '$'. LtpaToken2
// signatures are checked over this string, not over the received bytes.
std::string serialize_user_data(const AttributeList& attributes);

// The values of |name|, or nullptr.
const std::vector<std::string>* find_attribute(const AttributeList& attributes,
                                               std::string_view name);

// "user:<realm>/<name>": the realm is everything up to the first '/' (LDAP realms contain ':'
// but no '/'; DNs may contain '/'). Both parts must be non-empty.
struct AccessId {
  std::string realm;
  std::string name;
};
std::optional<AccessId> split_access_id(std::string_view access_id);
std::string make_access_id(std::string_view realm, std::string_view name);

} // namespace stgw::ssoauth
