// Fuzzes the WebSphere LtpaToken v1 decoder. The first byte picks what the rest is:
//   0: a cookie value as received (base64, 3DES, padding);
//   1: a plaintext, encrypted with the fuzz key first (the '%' splitter, expiry, signature
//      decoding and the ISO/IEC 9796-1 check see fuzzer-chosen text);
//   2: user data, signed (ISO 9796-1) and sealed with the fuzz key, so the attribute parser
//      and the access id, realm and time checks run on fuzzer-chosen text.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ssoauth/codec.h"
#include "ssoauth/ltpa1_token.h"
#include "ssoauth/validator.h"

namespace {

using namespace stgw::ssoauth;

struct Fixture {
  LtpaKeySet keys = *parse_ltpa_keys(*generate_ltpa_keys_file("fuzz", "FuzzRealm"), "fuzz");
  Validator validator{ValidatorOptions{}, {{keys, ""}}, {}};
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
  std::string cookie;
  switch (data[0] % 3) {
    case 0:
      cookie = std::string(rest);
      break;
    case 1:
      cookie = ltpa1::seal(f.keys, rest).value_or("");
      break;
    case 2: {
      auto signature = ltpa1::sign_user_data(f.keys, rest);
      if (!signature)
        return 0;
      cookie =
          ltpa1::seal(f.keys, std::string(rest) + "%1700007200000%" + base64_encode(*signature))
              .value_or("");
      break;
    }
  }
  f.validator.check_token(TokenFormat::Ltpa1, cookie, f.now);
  f.validator.check_token(kAnyFormat, cookie, f.now);
  return 0;
}
