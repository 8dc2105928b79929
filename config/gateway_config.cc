#include "config/gateway_config.h"

#include <algorithm>

namespace stgw::config {

std::string HostPort::to_string() const {
  std::string port_text = std::to_string(port);
  // A colon in the host can only be an IPv6 literal: bracket it so the port stays unambiguous.
  if (host.find(':') != std::string::npos)
    return "[" + host + "]:" + port_text;
  return host + ":" + port_text;
}

const BackendConfig* GatewayConfig::find_backend(std::string_view name) const {
  auto it = std::find_if(backends.begin(), backends.end(),
                         [&](const BackendConfig& backend) { return backend.name == name; });
  return it == backends.end() ? nullptr : &*it;
}

std::string_view to_string(TokenFormat format) {
  switch (format) {
    case TokenFormat::Ltpa2:
      return "ltpa2";
    case TokenFormat::Ltpa1:
      return "ltpa1";
    case TokenFormat::Domino:
      return "domino";
  }
  return "unknown";
}

std::string_view to_string(AuthMode mode) {
  switch (mode) {
    case AuthMode::None:
      return "none";
    case AuthMode::Optional:
      return "optional";
    case AuthMode::Required:
      return "required";
  }
  return "unknown";
}

std::string_view to_string(Affinity affinity) {
  switch (affinity) {
    case Affinity::None:
      return "none";
    case Affinity::JSessionId:
      return "jsessionid";
    case Affinity::User:
      return "user";
  }
  return "unknown";
}

std::string_view to_string(UnauthenticatedAction action) {
  switch (action) {
    case UnauthenticatedAction::Reject401:
      return "401";
    case UnauthenticatedAction::Redirect:
      return "redirect";
  }
  return "unknown";
}

} // namespace stgw::config
