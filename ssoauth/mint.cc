#include "ssoauth/mint.h"

#include "ssoauth/domino_token.h"
#include "ssoauth/ltpa1_token.h"
#include "ssoauth/ltpa2_token.h"
#include "ssoauth/utf8.h"

namespace stgw::ssoauth {
namespace {

bool clean_text(std::string_view text) {
  return !text.empty() && is_valid_utf8(text) && !has_control_characters(text);
}

bool valid_attribute(const Attribute& a) {
  if (a.name.empty() || a.name == "u" || a.name == "expire" || !clean_text(a.name) ||
      a.name.find_first_of("%$:|\\") != std::string::npos || a.values.empty())
    return false;
  for (const auto& v : a.values)
    // IBM splits non-"u" values at every '|' before unescaping, so a '|' cannot survive.
    if (!clean_text(v) || v.find('|') != std::string::npos)
      return false;
  return true;
}

std::expected<AttributeList, MintError> build_attributes(std::string_view access_id,
                                                         const AttributeList& extra) {
  if (!clean_text(access_id) || !split_access_id(access_id))
    return std::unexpected(MintError::InvalidUser);
  AttributeList attributes;
  for (const auto& a : extra) {
    if (!valid_attribute(a))
      return std::unexpected(MintError::InvalidAttribute);
    attributes.push_back(a);
  }
  attributes.push_back(Attribute{"u", {std::string(access_id)}});
  return attributes;
}

std::int64_t to_unix_s(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

} // namespace

std::string_view describe(MintError error) {
  switch (error) {
    case MintError::NoPrivateKey:
      return "the key file has no private key, which minting needs";
    case MintError::InvalidUser:
      return "the user must be a non-empty UTF-8 name without control characters (access id "
             "user:<realm>/<name>)";
    case MintError::InvalidAttribute:
      return "attribute names must be plain (not u or expire, without % $ : | \\) and values "
             "non-empty "
             "UTF-8 without '|' or control characters";
    case MintError::InvalidTime:
      return "time out of range for this token format";
    case MintError::CryptoFailure:
      return "OpenSSL or ICU failed while minting";
  }
  return "unknown mint error";
}

std::expected<std::string, MintError> mint_ltpa2(const LtpaKeySet& keys, std::string_view access_id,
                                                 const AttributeList& attributes,
                                                 TimePoint expires) {
  if (!keys.private_key)
    return std::unexpected(MintError::NoPrivateKey);
  auto all = build_attributes(access_id, attributes);
  if (!all)
    return std::unexpected(all.error());
  std::int64_t ms = to_unix_ms(expires);
  if (ms < 0)
    return std::unexpected(MintError::InvalidTime);
  auto token = ltpa2::mint(keys, std::move(*all), ms);
  if (!token)
    return std::unexpected(MintError::CryptoFailure);
  return std::move(*token);
}

std::expected<std::string, MintError> mint_ltpa1(const LtpaKeySet& keys, std::string_view access_id,
                                                 const AttributeList& attributes,
                                                 TimePoint expires) {
  if (!keys.private_key)
    return std::unexpected(MintError::NoPrivateKey);
  auto all = build_attributes(access_id, attributes);
  if (!all)
    return std::unexpected(all.error());
  std::int64_t ms = to_unix_ms(expires);
  if (ms < 0)
    return std::unexpected(MintError::InvalidTime);
  auto token = ltpa1::mint(keys, *all, ms);
  if (!token)
    return std::unexpected(MintError::CryptoFailure);
  return std::move(*token);
}

std::expected<std::string, MintError> mint_domino(const DominoSecret& secret, std::string_view name,
                                                  TimePoint creation, TimePoint expires) {
  if (!clean_text(name))
    return std::unexpected(MintError::InvalidUser);
  std::int64_t c = to_unix_s(creation);
  std::int64_t x = to_unix_s(expires);
  constexpr std::int64_t kMax = 0xFFFFFFFFLL; // eight hex digits
  if (c < 0 || c > kMax || x < 0 || x > kMax)
    return std::unexpected(MintError::InvalidTime);
  auto token = domino::mint(secret, name, c, x);
  if (!token)
    return std::unexpected(MintError::CryptoFailure);
  return std::move(*token);
}

} // namespace stgw::ssoauth
