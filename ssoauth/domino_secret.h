#pragma once

// The Domino single-sign-on secret (SPEC §3.2): the 20 bytes whose base64 form is the
// LTPA_DominoSecret item of a Web SSO Configuration document.

#include <array>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "ssoauth/ltpa_keys.h"

namespace stgw::ssoauth {

struct DominoSecret {
  std::array<std::uint8_t, 20> bytes{};

  DominoSecret() = default;
  DominoSecret(const DominoSecret&) = default;
  DominoSecret(DominoSecret&&) = default;
  DominoSecret& operator=(const DominoSecret&) = default;
  DominoSecret& operator=(DominoSecret&&) = default;
  ~DominoSecret(); // wipes the bytes
};

// |text| is the base64 secret (28 characters); surrounding whitespace is ignored.
// BadDominoSecret unless it is strict base64 of exactly 20 bytes.
std::expected<DominoSecret, KeyError> parse_domino_secret(std::string_view text);

// Reads a file holding the base64 secret (a trailing newline is fine).
std::expected<DominoSecret, KeyError> load_domino_secret_file(const std::string& path);

} // namespace stgw::ssoauth
