#pragma once

// LtpaToken2 (SPEC §5): AES-128-CBC (key = IV = first 16 bytes of the shared key) over
// body "%" expiry "%" base64(SHA1withRSA(SHA-1(body))).

#include <span>
#include <string>
#include <string_view>

#include "ssoauth/token_check.h"
#include "ssoauth/user_data.h"

namespace stgw::ssoauth::ltpa2 {

// Checks decoded cookie bytes against each key set in order (rotation), each with its own IV.
// Order of checks (SPEC §7): decrypt, parse, inner/outer expiry consistency, RSA signature over
// IBM's re-serialised body, then realm, then time — so "expired" and "realm_mismatch" are
// only ever reported for authentic tokens. IBM checks expiry before the signature; we do not,
// because the verdict of a forged token must not depend on the fields it forged.
TokenCheck verify(std::string_view ciphertext, std::span<const PreparedKeySet> key_sets,
                  const TimePolicy& policy, std::int64_t now_ms);

// The 128-byte PKCS#1 v1.5 signature of SHA-1(body); nullopt without a private key.
std::optional<std::string> sign_body(const LtpaKeySet& keys, std::string_view body);

// base64(AES-128-CBC(plaintext)) with the key set's key and IV: the cookie value.
std::optional<std::string> seal(const LtpaKeySet& keys, std::string_view plaintext);

// Body (attributes sorted by name, "expire" inside) "%" expiry "%" signature, sealed.
std::optional<std::string> mint(const LtpaKeySet& keys, AttributeList attributes,
                                std::int64_t expires_ms);

} // namespace stgw::ssoauth::ltpa2
