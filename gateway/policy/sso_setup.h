#pragma once

// Turns the [sso] configuration into a ready Validator: reads every key file, password file and
// Domino secret it names and unwraps the keys once, at start-up and on reload — never on the
// request path.

#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "config/gateway_config.h"
#include "ssoauth/validator.h"

namespace stgw::policy {

// The validator options of an [sso] section (cookie names, formats, skew, tolerance).
ssoauth::ValidatorOptions validator_options(const config::SsoConfig& sso);

// Loads all key material. Each key set only accepts tokens of its configured realm; an empty
// realm means the realm written in the key file, "*" any realm. On failure lists EVERY problem, one
// line each, as "sso.keys[1].password_file: /etc/stgw/ltpa.pw: cannot read the file" — file names
// and reasons only, never a password, key or secret.
std::expected<std::shared_ptr<const ssoauth::Validator>, std::vector<std::string>>
build_validator(const config::SsoConfig& sso);

} // namespace stgw::policy
