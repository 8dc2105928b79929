#pragma once

// The descriptor budget: how many file descriptors a number of client connections needs, and
// its inverse, how many client connections a descriptor limit allows. Pure arithmetic on the
// config; the gateway calls it at start, `stgw config render --for limits` and `stgw doctor`
// (check `nofile`) call it to size /etc/security/limits.conf.

#include <cstdint>

#include "config/gateway_config.h"

namespace stgw::config {

// A proxied client connection holds its own socket and, while forwarded, one to the backend.
inline constexpr int kDescriptorsPerClient = 2;

// The descriptors that do not scale with client connections.
struct BudgetNeeds {
  int listener_sockets = 0; // one per [[listener]] per worker (SO_REUSEPORT gives each its own)
  int admin_listener = 0;   // 1 when [admin] has an address
  int log_files = 0;        // 1 when [access_log] writes to a file (not "-" = stdout)
  int reserve = 0;          // [budget] nofile_reserve: key files, certificates, event loops, DNS

  std::int64_t fixed() const {
    return static_cast<std::int64_t>(listener_sockets) + admin_listener + log_files + reserve;
  }
};

// |workers| is the number of worker threads actually started; values <= 0 mean
// [server] workers, and 1 when that is 0 too (callers that know the core count pass it).
BudgetNeeds budget_needs(const GatewayConfig& config, int workers = 0);

// Descriptors needed to hold |client_connections| clients. Saturates at INT_MAX; negative
// connection counts count as 0.
int nofile_needed(const GatewayConfig& config, int client_connections, int workers = 0);

// The largest number of client connections whose needs fit in |nofile_limit| (rounded down,
// never negative): the inverse of nofile_needed().
int client_capacity(const GatewayConfig& config, int nofile_limit, int workers = 0);

} // namespace stgw::config
