#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stgw::stps_sim {

// Finds cookie |name| in one Cookie header value ("a=1; b=2", RFC 6265 section 4.2).  Names
// match exactly (case-sensitive); surrounding quotes are kept as part of the value, as servers
// see them.  Pairs without '=' are skipped.
std::optional<std::string_view> find_cookie(std::string_view cookie_header, std::string_view name);

// True when the header carries an LtpaToken or LtpaToken2 cookie with a non-empty value.
bool has_ltpa_cookie(std::string_view cookie_header);

// Appends |text| as a JSON string literal (with quotes).  Valid UTF-8 passes through; control
// characters are escaped; a byte that is not part of valid UTF-8 is written as \u00XX (its
// Latin-1 reading), so the output is always valid JSON whatever the input bytes were.
void append_json_string(std::string& out, std::string_view text);

std::string json_string(std::string_view text);

// Content type for a static path by its extension ("/stwebclient/a.js" -> application/javascript).
std::string_view content_type_for(std::string_view path);

} // namespace stgw::stps_sim
