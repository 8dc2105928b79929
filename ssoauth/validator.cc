#include "ssoauth/validator.h"

#include <algorithm>
#include <array>

#include "ssoauth/codec.h"
#include "ssoauth/domino_token.h"
#include "ssoauth/ltpa1_token.h"
#include "ssoauth/ltpa2_token.h"

namespace stgw::ssoauth {
namespace {

// Enough for every path/domain duplicate a browser sends; bounds the RSA work one request
// can cause (each candidate costs up to one verification per key set).
constexpr std::size_t kMaxCandidates = 16;

std::atomic<std::uint64_t> next_validator_id{1};

std::string_view trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && blank(s.back()))
    s.remove_suffix(1);
  return s;
}

TokenCheck malformed(std::optional<TokenFormat> format = std::nullopt) {
  return TokenCheck{format, AuthFailure::Malformed, std::nullopt};
}

} // namespace

Validator::Validator(ValidatorOptions options, std::vector<TrustedKeySet> key_sets,
                     std::vector<DominoSecret> domino_secrets)
    : options_(std::move(options)), domino_secrets_(std::move(domino_secrets)),
      id_(next_validator_id.fetch_add(1, std::memory_order_relaxed)) {
  policy_.clock_skew_ms = std::max<std::int64_t>(0, options_.clock_skew.count());
  policy_.expiry_diff_tolerance_ms = options_.expiry_diff_tolerance.count();
  key_sets_.reserve(key_sets.size());
  for (auto& trusted : key_sets)
    key_sets_.emplace_back(std::move(trusted.keys), std::move(trusted.expected_realm));
  // A key set whose RSA context could not be built (out of memory) would fail every token;
  // dropping it keeps the others usable.
  std::erase_if(key_sets_, [](const PreparedKeySet& k) { return !k.rsa.ok(); });
}

bool Validator::accepts(TokenFormat format) const {
  return std::find(options_.accept.begin(), options_.accept.end(), format) != options_.accept.end();
}

TokenCheck Validator::check_as(TokenFormat format, std::string_view bytes,
                               std::int64_t now_ms) const {
  if (!accepts(format))
    return malformed(format);
  verifications_.fetch_add(1, std::memory_order_relaxed);
  switch (format) {
    case TokenFormat::Ltpa2:
      return ltpa2::verify(bytes, key_sets_, policy_, now_ms);
    case TokenFormat::Ltpa1:
      return ltpa1::verify(bytes, key_sets_, policy_, now_ms);
    case TokenFormat::Domino:
      return domino::verify(bytes, domino_secrets_, policy_, now_ms);
  }
  return malformed(format);
}

TokenCheck Validator::check_decoded(std::optional<TokenFormat> format, std::string_view bytes,
                                    std::int64_t now_ms) const {
  if (format)
    return check_as(*format, bytes, now_ms);
  // Try each format the value can structurally be; stop at the first authentic answer.
  std::vector<TokenFormat> candidates;
  if (bytes.size() % 16 == 0 && accepts(TokenFormat::Ltpa2))
    candidates.push_back(TokenFormat::Ltpa2);
  if (domino::has_domino_header(bytes) && accepts(TokenFormat::Domino))
    candidates.push_back(TokenFormat::Domino);
  if (bytes.size() % 8 == 0 && accepts(TokenFormat::Ltpa1))
    candidates.push_back(TokenFormat::Ltpa1);
  if (candidates.empty())
    return malformed();
  TokenCheck best = check_as(candidates.front(), bytes, now_ms);
  for (std::size_t i = 1; i < candidates.size() && !best.identity; ++i)
    keep_better(best, check_as(candidates[i], bytes, now_ms));
  return best;
}

TokenCheck Validator::check_token(std::optional<TokenFormat> format, std::string_view cookie_value,
                                  TimePoint now) const {
  auto bytes = decode_cookie_value(cookie_value);
  if (!bytes)
    return malformed(format);
  return check_decoded(format, *bytes, to_unix_ms(now));
}

std::expected<Identity, AuthFailure> Validator::verify_token(std::optional<TokenFormat> format,
                                                             std::string_view cookie_value,
                                                             TimePoint now) const {
  TokenCheck check = check_token(format, cookie_value, now);
  if (!check.valid())
    return std::unexpected(*check.failure);
  return std::move(*check.identity);
}

TokenCheck Validator::check_cookie(CookieKind kind, std::string_view value,
                                   std::int64_t now_ms) const {
  auto bytes = decode_cookie_value(value);
  if (!bytes)
    return malformed();
  if (kind == CookieKind::V2)
    return check_decoded(TokenFormat::Ltpa2, *bytes, now_ms);
  // LtpaToken: the Domino header decides (SPEC §0); if it still fails, the bytes may be a v1
  // ciphertext that happens to start with 00 01 02 03.
  bool domino_like = domino::has_domino_header(*bytes) && accepts(TokenFormat::Domino);
  bool v1_like = bytes->size() % 8 == 0 && accepts(TokenFormat::Ltpa1);
  if (!domino_like && !v1_like)
    return malformed();
  if (!domino_like)
    return check_as(TokenFormat::Ltpa1, *bytes, now_ms);
  TokenCheck best = check_as(TokenFormat::Domino, *bytes, now_ms);
  if (!best.identity && v1_like)
    keep_better(best, check_as(TokenFormat::Ltpa1, *bytes, now_ms));
  return best;
}

std::expected<Identity, AuthFailure>
Validator::verify_cookie_headers(std::span<const std::string_view> cookie_header_values,
                                 TimePoint now, ValidationCache* cache) const {
  // Fixed arrays: parsing the header allocates nothing on the hot path.
  std::array<std::string_view, kMaxCandidates> v2;
  std::array<std::string_view, kMaxCandidates> v1;
  std::size_t v2_count = 0;
  std::size_t v1_count = 0;
  bool want_v2 = accepts(TokenFormat::Ltpa2);
  bool want_v1 = accepts(TokenFormat::Ltpa1) || accepts(TokenFormat::Domino);
  for (std::string_view header : cookie_header_values) {
    while (!header.empty()) {
      std::size_t end = header.find(';');
      std::string_view pair = header.substr(0, end);
      header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
      std::size_t eq = pair.find('=');
      if (eq == std::string_view::npos)
        continue;
      std::string_view name = trim(pair.substr(0, eq));
      std::string_view value = trim(pair.substr(eq + 1));
      // An empty value is what a logout leaves behind: not a token.
      if (value.empty() || value == "\"\"")
        continue;
      if (want_v2 && name == options_.cookie_v2 && v2_count < kMaxCandidates)
        v2[v2_count++] = value;
      else if (want_v1 && name == options_.cookie_v1 && v1_count < kMaxCandidates)
        v1[v1_count++] = value;
    }
  }

  std::int64_t now_ms = to_unix_ms(now);
  TokenCheck best{std::nullopt, AuthFailure::Missing, std::nullopt};
  std::size_t tried = 0;
  // LtpaToken2 is preferred when both are present (WebSphere interoperability mode).
  for (CookieKind kind : {CookieKind::V2, CookieKind::V1}) {
    std::span<const std::string_view> values(kind == CookieKind::V2 ? v2.data() : v1.data(),
                                             kind == CookieKind::V2 ? v2_count : v1_count);
    for (std::string_view value : values) {
      if (tried++ == kMaxCandidates)
        break;
      std::optional<ValidationCache::Key> key;
      if (cache) {
        key = ValidationCache::make_key(static_cast<std::uint8_t>(kind), value);
        if (key)
          if (const Identity* hit = cache->lookup(id_, *key, now_ms))
            return *hit;
      }
      TokenCheck check = check_cookie(kind, value, now_ms);
      if (check.valid()) {
        if (cache && key)
          cache->store(id_, *key, *check.identity, now_ms);
        return std::move(*check.identity);
      }
      keep_better(best, std::move(check));
    }
  }
  return std::unexpected(*best.failure);
}

} // namespace stgw::ssoauth
