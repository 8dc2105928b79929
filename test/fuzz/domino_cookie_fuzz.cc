// Fuzzes the Domino LtpaToken decoder. The first byte picks what the rest is:
//   0: a cookie value as received (base64, header, digest);
//   1: token bytes before the digest, which is appended with the fuzz secret, so the time
//      fields and the LMBCS name decoding (ICU) see fuzzer-chosen bytes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ssoauth/domino_token.h"
#include "ssoauth/validator.h"

namespace {

using namespace stgw::ssoauth;

struct Fixture {
  DominoSecret secret = *parse_domino_secret("ZnV6ei1kb21pbm8tc2VjcmV0MjA=");
  Validator validator{ValidatorOptions{}, {}, {secret}};
  TimePoint now = from_unix_ms(1'700'001'000'000);
};

const Fixture& fixture() {
  static const Fixture instance;
  return instance;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  const Fixture& f = fixture();
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string cookie = data[0] % 2 == 0 ? std::string(rest) : domino::seal(f.secret, rest);
  f.validator.check_token(TokenFormat::Domino, cookie, f.now);
  std::string header = "LtpaToken=" + cookie;
  std::string_view headers[] = {header};
  f.validator.verify_cookie_headers(headers, f.now, nullptr);
  return 0;
}
