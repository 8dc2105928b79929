#pragma once

// What a validated LTPA cookie says about its holder, and why a cookie was refused.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stgw::ssoauth {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

// Milliseconds since the Unix epoch (the unit of LtpaToken/LtpaToken2 expiry fields).
std::int64_t to_unix_ms(TimePoint t);
TimePoint from_unix_ms(std::int64_t ms);

enum class TokenFormat {
  Ltpa2,  // WebSphere/Liberty LtpaToken2 (AES-128-CBC + RSA/SHA-1)
  Ltpa1,  // WebSphere LtpaToken v1 (3DES-ECB + ISO/IEC 9796-1)
  Domino, // Domino LtpaToken (SHA-1 with the 20-byte Domino secret)
};

std::string_view to_string(TokenFormat format); // "ltpa2" | "ltpa1" | "domino"
std::optional<TokenFormat> parse_token_format(std::string_view text);

struct Identity {
  std::string user;      // UTF-8: the name after "user:<realm>/" (LTPA), the Notes name (Domino)
  std::string realm;     // the realm of the access id; empty for Domino
  std::string access_id; // "user:<realm>/<name>" as carried by the token; empty for Domino
  std::int64_t expires_unix_ms = 0;
  TokenFormat format = TokenFormat::Ltpa2;

  bool operator==(const Identity&) const = default;
};

enum class AuthFailure {
  Missing,       // no cookie with a configured name (or only empty values)
  Malformed,     // not decodable, wrong layout, bad fields after decryption
  BadSignature,  // decrypted and parsed, but the RSA signature / Domino digest does not match
  Expired,       // authentic, but now > expiry (+ skew)
  NotYetValid,   // authentic Domino token created in the future (beyond the skew)
  UnknownKey,    // no configured key set could decrypt it
  RealmMismatch, // authentic, but the realm differs from the key set's configured realm
};

// "missing" | "malformed" | "bad_signature" | "expired" | "not_yet_valid" | "unknown_key" |
// "realm_mismatch"
std::string_view to_string(AuthFailure failure);

// The three verdicts of the test vectors and of `stgw token verify`.
enum class Verdict { Valid, Expired, Invalid };
std::string_view to_string(Verdict verdict); // "valid" | "expired" | "invalid"
// Expired → Expired; everything else (including NotYetValid) → Invalid.
Verdict verdict_of(AuthFailure failure);

} // namespace stgw::ssoauth
