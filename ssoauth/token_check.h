#pragma once

// Pieces shared by the three token verifiers and the Validator.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ssoauth/crypto.h"
#include "ssoauth/identity.h"
#include "ssoauth/ltpa_keys.h"

namespace stgw::ssoauth {

// The full outcome of checking one token value, as `stgw token verify` reports it.
struct TokenCheck {
  std::optional<TokenFormat> format;  // the format it was checked as; nullopt when undecodable
  std::optional<AuthFailure> failure; // nullopt = valid
  // Set when the token is authentic: valid, or refused only for time or realm reasons.
  std::optional<Identity> identity;

  bool valid() const { return !failure.has_value(); }
  Verdict verdict() const { return failure ? verdict_of(*failure) : Verdict::Valid; }
};

struct TimePolicy {
  std::int64_t clock_skew_ms = 0;
  std::int64_t expiry_diff_tolerance_ms = 3000; // negative disables the inner/outer check
};

// One key set ready for the hot path: its RSA public operation precomputed.
struct PreparedKeySet {
  PreparedKeySet(LtpaKeySet key_set, std::string realm)
      : keys(std::move(key_set)), expected_realm(std::move(realm)), rsa(keys.public_key) {}

  LtpaKeySet keys;
  std::string expected_realm; // empty = accept any realm
  crypto::RsaPublicOp rsa;
};

// When several key sets or cookies fail, the most informative failure wins: an authentic
// token's time or realm problem over a bad signature over a malformed body over no key.
int failure_rank(AuthFailure failure);
void keep_better(TokenCheck& best, TokenCheck&& candidate);

// A decimal millisecond timestamp: 1 to 15 digits and nothing else (SPEC §7 "Units").
std::optional<std::int64_t> parse_decimal_ms(std::string_view text);

} // namespace stgw::ssoauth
