#include "gateway/server/sso_wiring.h"

#include "gateway/policy/auth_gate.h"
#include "gateway/policy/sso_setup.h"

namespace stgw::server {

std::expected<std::shared_ptr<const policy::AuthGate>, std::vector<std::string>>
build_auth_gate(const config::GatewayConfig& config) {
  if (!config.sso)
    return std::shared_ptr<const policy::AuthGate>();
  auto validator = policy::build_validator(*config.sso);
  if (!validator)
    return std::unexpected(validator.error());
  return std::make_shared<const policy::AuthGate>(*validator, *config.sso);
}

} // namespace stgw::server
