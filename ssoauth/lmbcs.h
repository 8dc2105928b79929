#pragma once

// Lotus Multi-Byte Character Set, the encoding of Domino LtpaToken user names (SPEC §3.3),
// through ICU's "LMBCS-1" converter. Safe to call from any thread (one converter per thread).

#include <optional>
#include <string>
#include <string_view>

namespace stgw::ssoauth {

// nullopt when the bytes are not valid LMBCS (no substitution characters are invented).
std::optional<std::string> lmbcs_to_utf8(std::string_view lmbcs);

// nullopt when |utf8| is not valid UTF-8. Characters outside the LMBCS groups use the UTF-16
// group 0x14, so every valid string is encodable.
std::optional<std::string> utf8_to_lmbcs(std::string_view utf8);

} // namespace stgw::ssoauth
