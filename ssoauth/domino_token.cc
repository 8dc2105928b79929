#include "ssoauth/domino_token.h"

#include <cstdio>

#include "ssoauth/codec.h"
#include "ssoauth/lmbcs.h"
#include "ssoauth/utf8.h"

namespace stgw::ssoauth::domino {
namespace {

constexpr std::string_view kHeader("\x00\x01\x02\x03", 4);
constexpr std::size_t kDigestBytes = 20;
constexpr std::size_t kFixedBytes = 4 + 8 + 8; // header and the two times

// Exactly 8 hex digits, either case (Domino writes upper case, npm ltpa lower case).
std::optional<std::int64_t> parse_hex8(std::string_view text) {
  std::int64_t value = 0;
  for (char c : text) {
    int d = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    if (d < 0)
      return std::nullopt;
    value = value << 4 | d;
  }
  return value;
}

bool digest_matches(std::string_view token, const DominoSecret& secret) {
  std::string_view signed_part = token.substr(0, token.size() - kDigestBytes);
  auto digest =
      crypto::sha1(signed_part, std::string_view(reinterpret_cast<const char*>(secret.bytes.data()),
                                                 secret.bytes.size()));
  return digest && crypto::constant_time_equal(digest->data(),
                                               reinterpret_cast<const std::uint8_t*>(token.data()) +
                                                   token.size() - kDigestBytes,
                                               kDigestBytes);
}

} // namespace

bool has_domino_header(std::string_view token) {
  return token.substr(0, kHeader.size()) == kHeader;
}

TokenCheck verify(std::string_view token, std::span<const DominoSecret> secrets,
                  const TimePolicy& policy, std::int64_t now_ms) {
  TokenCheck result{TokenFormat::Domino, AuthFailure::Malformed, std::nullopt};
  // At least one name byte: an empty name identifies nobody.
  if (token.size() < kFixedBytes + 1 + kDigestBytes || !has_domino_header(token))
    return result;
  bool authentic = false;
  for (const DominoSecret& secret : secrets)
    if (digest_matches(token, secret)) {
      authentic = true;
      break;
    }
  if (!authentic) {
    result.failure = secrets.empty() ? AuthFailure::UnknownKey : AuthFailure::BadSignature;
    return result;
  }
  auto creation = parse_hex8(token.substr(4, 8));
  auto expiry = parse_hex8(token.substr(12, 8));
  auto name = lmbcs_to_utf8(token.substr(kFixedBytes, token.size() - kFixedBytes - kDigestBytes));
  if (!creation || !expiry || !name || name->empty() || has_control_characters(*name))
    return result;
  std::int64_t expires_ms = *expiry * 1000;
  result.identity = Identity{std::move(*name), {}, {}, expires_ms, TokenFormat::Domino};
  if (now_ms < *creation * 1000 - policy.clock_skew_ms)
    result.failure = AuthFailure::NotYetValid;
  else if (now_ms > expires_ms + policy.clock_skew_ms)
    result.failure = AuthFailure::Expired;
  else
    result.failure.reset();
  return result;
}

std::string seal(const DominoSecret& secret, std::string_view unsigned_part) {
  auto digest = crypto::sha1(
      unsigned_part,
      std::string_view(reinterpret_cast<const char*>(secret.bytes.data()), secret.bytes.size()));
  std::string token(unsigned_part);
  if (digest)
    token.append(reinterpret_cast<const char*>(digest->data()), digest->size());
  return base64_encode(token);
}

std::optional<std::string> mint(const DominoSecret& secret, std::string_view name_utf8,
                                std::int64_t creation_s, std::int64_t expiry_s) {
  constexpr std::int64_t kMax = 0xFFFFFFFFLL;
  if (creation_s < 0 || creation_s > kMax || expiry_s < 0 || expiry_s > kMax)
    return std::nullopt;
  auto name = utf8_to_lmbcs(name_utf8);
  if (!name || name->empty())
    return std::nullopt;
  char times[17];
  std::snprintf(times, sizeof times, "%08llX%08llX", static_cast<unsigned long long>(creation_s),
                static_cast<unsigned long long>(expiry_s));
  std::string unsigned_part(kHeader);
  unsigned_part.append(times, 16);
  unsigned_part += *name;
  return seal(secret, unsigned_part);
}

} // namespace stgw::ssoauth::domino
