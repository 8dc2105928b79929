// The auth step of ClientSession: asks the auth gate about the route's policy.

#include "gateway/proxy/client_session.h"

namespace stgw::proxy {

bool ClientSession::authorize(Exchange& exchange) {
  if (exchange.route->auth == config::AuthMode::None) return true;
  send_local_reply({401, "unauthenticated", "no single sign-on configured", "missing"},
                   exchange.request.body != http::BodyKind::None);
  return false;
}

} // namespace stgw::proxy
