#include "gateway/policy/sso_setup.h"

#include <algorithm>

#include <fmt/format.h>

namespace stgw::policy {
namespace {

ssoauth::TokenFormat to_ssoauth(config::TokenFormat format) {
  switch (format) {
    case config::TokenFormat::Ltpa2:
      return ssoauth::TokenFormat::Ltpa2;
    case config::TokenFormat::Ltpa1:
      return ssoauth::TokenFormat::Ltpa1;
    case config::TokenFormat::Domino:
      return ssoauth::TokenFormat::Domino;
  }
  return ssoauth::TokenFormat::Ltpa2;
}

// The realm tokens of this key set must carry (SPEC §7 "Realm check"): the configured one, by
// default the realm written in the key file, or any realm for "*" (IBM itself does not compare
// token realms with the key file's, so federated set-ups may need it).
std::string expected_realm(const config::KeyFileConfig& entry, const ssoauth::LtpaKeySet& keys) {
  if (entry.realm == "*")
    return {};
  return entry.realm.empty() ? keys.realm : entry.realm;
}

bool accepts(const config::SsoConfig& sso, config::TokenFormat format) {
  return std::find(sso.accept.begin(), sso.accept.end(), format) != sso.accept.end();
}

} // namespace

ssoauth::ValidatorOptions validator_options(const config::SsoConfig& sso) {
  ssoauth::ValidatorOptions options;
  options.cookie_v1 = sso.cookie_v1;
  options.cookie_v2 = sso.cookie_v2;
  options.accept.clear();
  for (config::TokenFormat format : sso.accept)
    options.accept.push_back(to_ssoauth(format));
  options.clock_skew = sso.clock_skew;
  options.expiry_diff_tolerance = sso.expiry_diff_tolerance;
  return options;
}

std::expected<std::shared_ptr<const ssoauth::Validator>, std::vector<std::string>>
build_validator(const config::SsoConfig& sso) {
  std::vector<std::string> errors;
  std::vector<ssoauth::TrustedKeySet> key_sets;
  for (std::size_t i = 0; i < sso.keys.size(); ++i) {
    const config::KeyFileConfig& entry = sso.keys[i];
    auto password = ssoauth::read_password_file(entry.password_file);
    if (!password) {
      errors.push_back(fmt::format("sso.keys[{}].password_file: {}: {}", i, entry.password_file,
                                   ssoauth::describe(password.error())));
      continue;
    }
    auto keys = ssoauth::load_ltpa_keys_file(entry.file, *password);
    std::fill(password->begin(), password->end(), '\0');
    if (!keys) {
      errors.push_back(
          fmt::format("sso.keys[{}].file: {}: {}", i, entry.file, ssoauth::describe(keys.error())));
      continue;
    }
    std::string realm = expected_realm(entry, *keys); // before *keys is moved from
    key_sets.push_back(ssoauth::TrustedKeySet{std::move(*keys), std::move(realm)});
  }
  std::vector<ssoauth::DominoSecret> secrets;
  for (std::size_t i = 0; i < sso.domino.size(); ++i) {
    const config::DominoSecretConfig& entry = sso.domino[i];
    auto secret = ssoauth::load_domino_secret_file(entry.secret_file);
    if (!secret) {
      errors.push_back(fmt::format("sso.domino[{}].secret_file: {}: {}", i, entry.secret_file,
                                   ssoauth::describe(secret.error())));
      continue;
    }
    secrets.push_back(std::move(*secret));
  }
  // Without material for any accepted format every request would be refused: a configuration
  // error, not a running gateway.
  bool ltpa_usable = !sso.keys.empty() && (accepts(sso, config::TokenFormat::Ltpa2) ||
                                           accepts(sso, config::TokenFormat::Ltpa1));
  bool domino_usable = !sso.domino.empty() && accepts(sso, config::TokenFormat::Domino);
  if (!ltpa_usable && !domino_usable)
    errors.push_back(
        "sso: no key material for the accepted formats: add [[sso.keys]] (ltpa2, ltpa1) "
        "or [[sso.domino]] (domino)");
  if (!errors.empty())
    return std::unexpected(std::move(errors));
  return std::make_shared<const ssoauth::Validator>(validator_options(sso), std::move(key_sets),
                                                    std::move(secrets));
}

} // namespace stgw::policy
