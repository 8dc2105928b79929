#include "ssoauth/identity.h"

namespace stgw::ssoauth {

std::int64_t to_unix_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint from_unix_ms(std::int64_t ms) {
  return TimePoint(std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(ms)));
}

std::string_view to_string(TokenFormat format) {
  switch (format) {
    case TokenFormat::Ltpa2:
      return "ltpa2";
    case TokenFormat::Ltpa1:
      return "ltpa1";
    case TokenFormat::Domino:
      return "domino";
  }
  return "unknown";
}

std::optional<TokenFormat> parse_token_format(std::string_view text) {
  if (text == "ltpa2")
    return TokenFormat::Ltpa2;
  if (text == "ltpa1")
    return TokenFormat::Ltpa1;
  if (text == "domino")
    return TokenFormat::Domino;
  return std::nullopt;
}

std::string_view to_string(AuthFailure failure) {
  switch (failure) {
    case AuthFailure::Missing:
      return "missing";
    case AuthFailure::Malformed:
      return "malformed";
    case AuthFailure::BadSignature:
      return "bad_signature";
    case AuthFailure::Expired:
      return "expired";
    case AuthFailure::NotYetValid:
      return "not_yet_valid";
    case AuthFailure::UnknownKey:
      return "unknown_key";
    case AuthFailure::RealmMismatch:
      return "realm_mismatch";
  }
  return "unknown";
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::Valid:
      return "valid";
    case Verdict::Expired:
      return "expired";
    case Verdict::Invalid:
      return "invalid";
  }
  return "invalid";
}

Verdict verdict_of(AuthFailure failure) {
  return failure == AuthFailure::Expired ? Verdict::Expired : Verdict::Invalid;
}

} // namespace stgw::ssoauth
