// sso-keys: the key files the gateway will import at start, imported the same way. Passwords
// and keys stay in memory only as long as the import takes; only realms and public-key
// fingerprints are printed.

#include <openssl/crypto.h>

#include <algorithm>

#include "gateway/doctor/live_checks.h"
#include "ssoauth/domino_secret.h"
#include "ssoauth/ltpa_keys.h"

namespace stgw::doctor {

using config::CheckResult;
using config::Severity;

namespace {

constexpr std::string_view kCheck = "sso-keys";

// Wipes the password when the import is done.
struct Password {
  std::string text;
  ~Password() { OPENSSL_cleanse(text.data(), text.size()); }
};

CheckResult check_key_file(const config::KeyFileConfig& keys) {
  auto password = ssoauth::read_password_file(keys.password_file);
  if (!password)
    return {std::string(kCheck),
            Severity::Fail,
            keys.file + ": password file " + keys.password_file + ": " +
                std::string(ssoauth::describe(password.error())),
            "make password_file readable by the gateway, with the key password on its first line",
            {}};
  Password secret{std::move(*password)};
  auto set = ssoauth::load_ltpa_keys_file(keys.file, secret.text);
  if (!set)
    return {std::string(kCheck),
            Severity::Fail,
            keys.file + ": " + std::string(ssoauth::describe(set.error())),
            set.error() == ssoauth::KeyError::WrongPassword
                ? "put the password used when exporting the keys from WebSphere into " +
                      keys.password_file + ", or export the keys again"
                : "export the LTPA keys again from WebSphere (Global security > LTPA > Export "
                  "keys)",
            {}};
  const std::string fingerprint = set->public_key_sha256_hex().substr(0, 16);
  if (!keys.realm.empty() && keys.realm != set->realm)
    return {std::string(kCheck),
            Severity::Fail,
            keys.file + ": realm \"" + set->realm + "\" differs from the configured realm \"" +
                keys.realm + "\"",
            "set [[sso.keys]] realm = \"" + set->realm + "\" or use the key file of that realm",
            {}};
  return {std::string(kCheck),
          Severity::Ok,
          keys.file + ": decrypts; realm \"" + set->realm + "\", RSA-" +
              std::to_string(set->key_bits()) + " public key sha256 " + fingerprint + "…",
          "",
          {}};
}

CheckResult check_domino_secret(const config::DominoSecretConfig& domino) {
  auto secret = ssoauth::load_domino_secret_file(domino.secret_file);
  if (!secret)
    return {std::string(kCheck),
            Severity::Fail,
            domino.secret_file + ": " + std::string(ssoauth::describe(secret.error())),
            "copy LTPA_DominoSecret from the Domino Web SSO Configuration document (base64 of "
            "20 bytes) into the file",
            {}};
  return {std::string(kCheck),
          Severity::Ok,
          domino.secret_file + ": Domino secret decodes to 20 bytes",
          "",
          {}};
}

bool accepts(const config::SsoConfig& sso, config::TokenFormat format) {
  return std::find(sso.accept.begin(), sso.accept.end(), format) != sso.accept.end();
}

} // namespace

std::vector<CheckResult> check_sso_keys(const config::GatewayConfig& config) {
  if (!config.sso)
    return {{std::string(kCheck), Severity::Skip, "no [sso] section", "", {}}};
  const config::SsoConfig& sso = *config.sso;
  std::vector<CheckResult> out;
  const bool ltpa =
      accepts(sso, config::TokenFormat::Ltpa2) || accepts(sso, config::TokenFormat::Ltpa1);
  if (ltpa && sso.keys.empty())
    out.push_back({std::string(kCheck),
                   Severity::Fail,
                   "[sso] accepts LTPA tokens but has no [[sso.keys]]",
                   "add [[sso.keys]] with the ltpa.keys file exported from WebSphere",
                   {}});
  if (accepts(sso, config::TokenFormat::Domino) && sso.domino.empty())
    out.push_back({std::string(kCheck),
                   Severity::Fail,
                   "[sso] accepts Domino tokens but has no [[sso.domino]] secret_file",
                   "add [[sso.domino]] secret_file, or remove \"domino\" from [sso] accept",
                   {}});
  for (const config::KeyFileConfig& keys : sso.keys)
    out.push_back(check_key_file(keys));
  for (const config::DominoSecretConfig& domino : sso.domino)
    out.push_back(check_domino_secret(domino));
  if (out.empty())
    out.push_back({std::string(kCheck), Severity::Skip, "no key files configured", "", {}});
  return out;
}

} // namespace stgw::doctor
