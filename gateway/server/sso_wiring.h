#pragma once

// Builds the auth gate from [sso]: keys loaded and unwrapped once, never on the request path.

#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "config/gateway_config.h"

namespace stgw::policy {
class AuthGate;
}

namespace stgw::server {

// nullptr (and no error) when the config has no [sso] section.
std::expected<std::shared_ptr<const policy::AuthGate>, std::vector<std::string>>
build_auth_gate(const config::GatewayConfig& config);

} // namespace stgw::server
