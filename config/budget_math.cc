#include "config/budget_math.h"

#include <algorithm>
#include <climits>
#include <cstdint>

namespace stgw::config {

namespace {

int resolve_workers(const GatewayConfig& config, int workers) {
  if (workers > 0)
    return workers;
  return config.server.workers > 0 ? config.server.workers : 1;
}

int saturate(std::int64_t value) {
  return static_cast<int>(std::clamp<std::int64_t>(value, 0, INT_MAX));
}

} // namespace

BudgetNeeds budget_needs(const GatewayConfig& config, int workers) {
  BudgetNeeds needs;
  const std::int64_t sockets =
      static_cast<std::int64_t>(config.listeners.size()) * resolve_workers(config, workers);
  needs.listener_sockets = saturate(sockets);
  needs.admin_listener = config.admin.address ? 1 : 0;
  const std::string& log = config.access_log.path;
  needs.log_files = (!log.empty() && log != "-") ? 1 : 0;
  needs.reserve = std::max(0, config.budget.nofile_reserve);
  return needs;
}

int nofile_needed(const GatewayConfig& config, int client_connections, int workers) {
  const BudgetNeeds needs = budget_needs(config, workers);
  const std::int64_t clients = std::max(0, client_connections);
  // Summed in 64 bits so that a huge connection count saturates instead of wrapping.
  return saturate(clients * kDescriptorsPerClient + needs.fixed());
}

int client_capacity(const GatewayConfig& config, int nofile_limit, int workers) {
  const std::int64_t spare =
      static_cast<std::int64_t>(nofile_limit) - budget_needs(config, workers).fixed();
  if (spare <= 0)
    return 0;
  return saturate(spare / kDescriptorsPerClient);
}

} // namespace stgw::config
