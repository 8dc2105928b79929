#include "gateway/server/sso_wiring.h"

namespace stgw::server {

std::expected<std::shared_ptr<const policy::AuthGate>, std::vector<std::string>>
build_auth_gate(const config::GatewayConfig&) {
  return std::shared_ptr<const policy::AuthGate>();
}

} // namespace stgw::server
