#pragma once

// WebSphere LtpaToken v1 (SPEC §4): 3DES-EDE-ECB over userdata "%" expiry "%" signature, the
// signature being ISO/IEC 9796-1 RSA over SHA-1(userdata). The expiry is not signed (§4.3).

#include <span>
#include <string>
#include <string_view>

#include "ssoauth/token_check.h"
#include "ssoauth/user_data.h"

namespace stgw::ssoauth::ltpa1 {

// Checks decoded cookie bytes against each key set in order. Signature before any field is
// trusted, then realm, then time (see ltpa2::verify).
TokenCheck verify(std::string_view ciphertext, std::span<const PreparedKeySet> key_sets,
                  const TimePolicy& policy, std::int64_t now_ms);

// ISO/IEC 9796-1 representative IR of a 20-byte digest for a modulus of |modulus_bits|
// (SPEC §4.2); empty unless (modulus_bits - 1) % 8 != 0, i.e. RSA-1024 in practice.
std::string iso9796_representative(const crypto::Sha1Digest& digest, int modulus_bits);

// min(IR^d, n - IR^d) as 128 bytes; nullopt without a private key.
std::optional<std::string> sign_user_data(const LtpaKeySet& keys, std::string_view user_data);

// base64(3DES-ECB(plaintext)): the cookie value.
std::optional<std::string> seal(const LtpaKeySet& keys, std::string_view plaintext);

// userdata (sorted, escaped) "%" expiry "%" signature, sealed.
std::optional<std::string> mint(const LtpaKeySet& keys, const AttributeList& attributes,
                                std::int64_t expires_ms);

} // namespace stgw::ssoauth::ltpa1
