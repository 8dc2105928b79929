#include "ssoauth/token_check.h"

namespace stgw::ssoauth {

int failure_rank(AuthFailure failure) {
  switch (failure) {
    case AuthFailure::Expired:
    case AuthFailure::NotYetValid:
    case AuthFailure::RealmMismatch:
      return 5;
    case AuthFailure::BadSignature:
      return 4;
    case AuthFailure::Malformed:
      return 3;
    case AuthFailure::UnknownKey:
      return 2;
    case AuthFailure::Missing:
      return 1;
  }
  return 0;
}

void keep_better(TokenCheck& best, TokenCheck&& candidate) {
  if (best.valid())
    return;
  if (candidate.valid() || failure_rank(*candidate.failure) > failure_rank(*best.failure))
    best = std::move(candidate);
}

std::optional<std::int64_t> parse_decimal_ms(std::string_view text) {
  if (text.empty() || text.size() > 15)
    return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

} // namespace stgw::ssoauth
