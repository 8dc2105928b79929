// Fuzzes the ltpa.keys reader: the first line of the input is the password, the rest the file
// (Java-properties parsing, base64, 3DES unwrapping, the private and public key blobs).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ssoauth/ltpa_keys.h"
#include "ssoauth/properties.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t newline = input.find('\n');
  std::string_view password = input.substr(0, newline);
  std::string_view text =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  stgw::ssoauth::Properties::parse(input);
  auto keys = stgw::ssoauth::parse_ltpa_keys(text, password);
  if (keys)
    keys->public_key_sha256_hex();
  return 0;
}
