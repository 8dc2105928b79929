#include "gateway/server/generation_builder.h"

#include <fmt/format.h>

#include "gateway/server/sso_wiring.h"

namespace stgw::server {
namespace {

void build_listener_tls(const config::GatewayConfig& config, proxy::SharedGeneration& out,
                        std::vector<std::string>& errors) {
  for (const auto& listener : config.listeners) {
    if (!listener.tls) {
      out.listener_tls.push_back(nullptr);
      continue;
    }
    auto tls = net::ServerTlsContext::create(*listener.tls, listener.alpn);
    if (!tls) {
      for (auto& error : tls.error())
        errors.push_back(fmt::format("listener {}: {}", listener.name, error));
      out.listener_tls.push_back(nullptr);
      continue;
    }
    out.listener_tls.push_back(std::move(*tls));
  }
}

// Health survives a reload for servers that stay, so a down server is not retried at once.
std::shared_ptr<proxy::BackendHealth> health_for(const config::BackendConfig& backend,
                                                 const proxy::SharedGeneration* previous) {
  if (previous != nullptr) {
    const auto& old = previous->config->backends;
    for (std::size_t i = 0; i < old.size(); ++i) {
      if (old[i].name != backend.name || old[i].servers.size() != backend.servers.size())
        continue;
      bool same = true;
      for (std::size_t s = 0; s < backend.servers.size(); ++s)
        same =
            same && old[i].servers[s].address.to_string() == backend.servers[s].address.to_string();
      if (same)
        return previous->backend_health[i];
    }
  }
  return std::make_shared<proxy::BackendHealth>(backend.servers.size());
}

void build_backends(const config::GatewayConfig& config, const proxy::SharedGeneration* previous,
                    proxy::SharedGeneration& out, std::vector<std::string>& errors) {
  for (const auto& backend : config.backends) {
    std::vector<net::SocketAddress> addresses;
    for (const auto& server : backend.servers) {
      auto address = net::resolve(server.address);
      if (!address) {
        errors.push_back(fmt::format("backend {}: {}", backend.name, address.error()));
        addresses.emplace_back();
        continue;
      }
      addresses.push_back(*address);
    }
    out.backend_addresses.push_back(std::move(addresses));
    out.backend_health.push_back(health_for(backend, previous));
    if (!backend.tls) {
      out.backend_tls.push_back(nullptr);
      continue;
    }
    auto tls = net::ClientTlsContext::create(*backend.tls);
    if (!tls)
      errors.push_back(fmt::format("backend {}: {}", backend.name, tls.error()));
    out.backend_tls.push_back(tls ? std::move(*tls) : nullptr);
  }
}

} // namespace

std::expected<std::shared_ptr<const proxy::SharedGeneration>, std::vector<std::string>>
build_generation(config::ConfigPtr config, const proxy::SharedGeneration* previous) {
  auto generation = std::make_shared<proxy::SharedGeneration>();
  generation->config = config;
  std::vector<std::string> errors;
  build_listener_tls(*config, *generation, errors);
  build_backends(*config, previous, *generation, errors);
  if (auto gate = build_auth_gate(*config); gate)
    generation->auth_gate = std::move(*gate);
  else
    errors.insert(errors.end(), gate.error().begin(), gate.error().end());
  if (!errors.empty())
    return std::unexpected(std::move(errors));
  return generation;
}

} // namespace stgw::server
