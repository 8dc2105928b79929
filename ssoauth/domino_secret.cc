#include "ssoauth/domino_secret.h"

#include <openssl/crypto.h>

#include "ssoauth/codec.h"

namespace stgw::ssoauth {

DominoSecret::~DominoSecret() {
  OPENSSL_cleanse(bytes.data(), bytes.size());
}

std::expected<DominoSecret, KeyError> parse_domino_secret(std::string_view text) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && blank(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && blank(text.back()))
    text.remove_suffix(1);
  auto raw = base64_decode_strict(text);
  if (!raw || raw->size() != 20) {
    if (raw)
      OPENSSL_cleanse(raw->data(), raw->size());
    return std::unexpected(KeyError::BadDominoSecret);
  }
  DominoSecret secret;
  std::copy(raw->begin(), raw->end(), secret.bytes.begin());
  OPENSSL_cleanse(raw->data(), raw->size());
  return secret;
}

std::expected<DominoSecret, KeyError> load_domino_secret_file(const std::string& path) {
  auto text = read_key_material_file(path);
  if (!text)
    return std::unexpected(text.error());
  auto secret = parse_domino_secret(*text);
  OPENSSL_cleanse(text->data(), text->size());
  return secret;
}

} // namespace stgw::ssoauth
