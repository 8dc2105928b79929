#pragma once

// Text codecs shared by the three token formats and the key file: strict base64 (RFC 4648 §4,
// the alphabet and padding IBM's own decoder requires), percent-decoding of cookie values and
// lower-case hex. Byte strings are carried in std::string; none of these functions throws.

#include <optional>
#include <string>
#include <string_view>

namespace stgw::ssoauth {

// Standard alphabet with '=' padding, no line breaks.
std::string base64_encode(std::string_view bytes);

// Accepts only the standard alphabet, a length that is a multiple of 4 and at most two '='
// at the very end (SPEC §7 "Base64": the URL-safe alphabet, whitespace and missing padding
// are refused). Unused low bits of the last symbol are ignored, as IBM's decoder does.
std::optional<std::string> base64_decode_strict(std::string_view text);

// Decodes every %XX once; nullopt when a '%' is not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view text);

// A cookie value as it arrives: optional surrounding double quotes removed, percent-decoded
// once when it contains '%' (SPEC §1), then strict base64. nullopt when undecodable.
std::optional<std::string> decode_cookie_value(std::string_view value);

std::string hex_encode(std::string_view bytes);

// RFC 3986 unreserved characters kept, everything else %XX (upper case); for query values.
std::string url_encode_component(std::string_view text);

} // namespace stgw::ssoauth
