#pragma once

// The Validator: every trusted key set and Domino secret, ready to check LTPA cookies on the
// request path. Immutable after construction; all const methods are safe from many threads at
// once (each thread passes its own ValidationCache). Never throws, never logs a token.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ssoauth/domino_secret.h"
#include "ssoauth/identity.h"
#include "ssoauth/ltpa_keys.h"
#include "ssoauth/token_check.h"
#include "ssoauth/validation_cache.h"

namespace stgw::ssoauth {

struct ValidatorOptions {
  std::string cookie_v1 = "LtpaToken"; // WebSphere v1 or Domino, told apart per value
  std::string cookie_v2 = "LtpaToken2";
  std::vector<TokenFormat> accept = {TokenFormat::Ltpa2, TokenFormat::Ltpa1, TokenFormat::Domino};
  std::chrono::milliseconds clock_skew{0}; // tolerance on expiry (and Domino creation)
  std::chrono::milliseconds expiry_diff_tolerance{
      3000}; // LtpaToken2 inner vs outer; negative disables
};

// One ltpa.keys import; several are tried in order (primary first, then older keys).
struct TrustedKeySet {
  LtpaKeySet keys;
  std::string expected_realm; // empty = any realm
};

// "Auto" for check_token/verify_token: try every accepted format the value can be.
inline constexpr std::optional<TokenFormat> kAnyFormat = std::nullopt;

class Validator {
public:
  Validator(ValidatorOptions options, std::vector<TrustedKeySet> key_sets,
            std::vector<DominoSecret> domino_secrets);
  Validator(const Validator&) = delete;
  Validator& operator=(const Validator&) = delete;

  // Checks one cookie value (as sent: maybe quoted or percent-encoded) as |format|, or with
  // kAnyFormat as LtpaToken2, Domino and v1 in turn. Formats not in options().accept fail as
  // Malformed. The full outcome, including the identity of an authentic but expired token.
  TokenCheck check_token(std::optional<TokenFormat> format, std::string_view cookie_value,
                         TimePoint now) const;

  std::expected<Identity, AuthFailure> verify_token(std::optional<TokenFormat> format,
                                                    std::string_view cookie_value,
                                                    TimePoint now) const;

  // Parses Cookie header values and tries every cookie named cookie_v2, then every one named
  // cookie_v1, in order (browsers send duplicates from different paths and domains), until
  // one is valid. Missing when there is none; otherwise the most telling failure (an expired
  // authentic token before a bad one). |cache| (may be null) belongs to the calling thread.
  std::expected<Identity, AuthFailure>
  verify_cookie_headers(std::span<const std::string_view> cookie_header_values, TimePoint now,
                        ValidationCache* cache) const;

  const ValidatorOptions& options() const { return options_; }
  std::size_t key_set_count() const { return key_sets_.size(); }
  std::size_t domino_secret_count() const { return domino_secrets_.size(); }
  // Token checks run past decoding, i.e. that decrypt, verify a signature or a digest (all
  // threads). A cache hit adds nothing, which is what the tests use it to prove.
  std::uint64_t verifications() const { return verifications_.load(std::memory_order_relaxed); }

private:
  // Which cookie name a value came with; LtpaToken may hold Domino or WebSphere v1 tokens.
  enum class CookieKind : std::uint8_t { V2 = 2, V1 = 1 };

  TokenCheck check_decoded(std::optional<TokenFormat> format, std::string_view bytes,
                           std::int64_t now_ms) const;
  TokenCheck check_as(TokenFormat format, std::string_view bytes, std::int64_t now_ms) const;
  TokenCheck check_cookie(CookieKind kind, std::string_view value, std::int64_t now_ms) const;
  bool accepts(TokenFormat format) const;

  ValidatorOptions options_;
  TimePolicy policy_;
  std::vector<PreparedKeySet> key_sets_;
  std::vector<DominoSecret> domino_secrets_;
  std::uint64_t id_; // distinguishes validators in a ValidationCache across reloads
  mutable std::atomic<std::uint64_t> verifications_{0};
};

} // namespace stgw::ssoauth
