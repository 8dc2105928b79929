#pragma once

// UTF-8 checks used on decrypted token text.

#include <string_view>

namespace stgw::ssoauth {

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text);

// True when |text| holds a C0 control character or DEL. Identities with these are refused so
// that a name can never smuggle a line break into a header or a log line.
bool has_control_characters(std::string_view text);

// Java String.compareTo on the UTF-16 forms of two valid UTF-8 strings (the order IBM sorts
// LTPA attribute names in); negative, zero or positive.
int compare_utf16(std::string_view a, std::string_view b);

} // namespace stgw::ssoauth
