#pragma once

// Domino LtpaToken (SPEC §3): 00 01 02 03 | hex8 creation | hex8 expiry | LMBCS name |
// SHA-1(everything before || 20-byte secret). Plaintext: integrity only, no confidentiality.

#include <span>
#include <string>
#include <string_view>

#include "ssoauth/domino_secret.h"
#include "ssoauth/token_check.h"

namespace stgw::ssoauth::domino {

// True when the decoded bytes start with the Domino header (how LtpaToken is told apart from
// WebSphere v1, whose ciphertext only starts so by a 2^-32 chance).
bool has_domino_header(std::string_view token);

// Checks decoded cookie bytes against each secret (digest compared in constant time), then
// creation (not in the future beyond the skew) and expiry. Times are whole seconds; the
// comparison is done in milliseconds so that a token is valid until its expiry second starts.
TokenCheck verify(std::string_view token, std::span<const DominoSecret> secrets,
                  const TimePolicy& policy, std::int64_t now_ms);

// Appends the digest to |unsigned_part| (header, times, name) and base64-encodes the result.
std::string seal(const DominoSecret& secret, std::string_view unsigned_part);

// Upper-case hex times and the LMBCS name, as Domino writes them; nullopt when the name is not
// valid UTF-8 or a time does not fit in 32 bits.
std::optional<std::string> mint(const DominoSecret& secret, std::string_view name_utf8,
                                std::int64_t creation_s, std::int64_t expiry_s);

} // namespace stgw::ssoauth::domino
