// Fuzzes the LtpaToken2 decoder. The first byte picks what the rest is:
//   0: a cookie value as received (quotes, percent-encoding, base64, AES, padding);
//   1: a plaintext, encrypted with the fuzz key first, so the field splitter, the attribute
//      parser and the expiry checks see fuzzer-chosen text;
//   2: a body, signed and sealed with the fuzz key, so the code after the signature check
//      (access id, realm, time) runs on fuzzer-chosen attributes.
// The key is generated at start-up; corpus entries of modes 1 and 2 do not depend on it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ssoauth/codec.h"
#include "ssoauth/ltpa2_token.h"
#include "ssoauth/validator.h"

namespace {

using namespace stgw::ssoauth;

struct Fixture {
  LtpaKeySet keys = *parse_ltpa_keys(*generate_ltpa_keys_file("fuzz", "FuzzRealm"), "fuzz");
  Validator validator{ValidatorOptions{}, {{keys, "FuzzRealm"}}, {}};
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
      cookie = ltpa2::seal(f.keys, rest).value_or("");
      break;
    case 2: {
      auto signature = ltpa2::sign_body(f.keys, rest);
      if (!signature)
        return 0;
      cookie =
          ltpa2::seal(f.keys, std::string(rest) + "%1700007200000%" + base64_encode(*signature))
              .value_or("");
      break;
    }
  }
  f.validator.check_token(TokenFormat::Ltpa2, cookie, f.now);
  std::string header = "LtpaToken2=" + cookie;
  std::string_view headers[] = {header};
  f.validator.verify_cookie_headers(headers, f.now, nullptr);
  return 0;
}
