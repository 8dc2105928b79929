#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "loadtest/stps_sim/options.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace stgw::stps_sim {

// Counters one worker writes and any worker reads for /stats.  Relaxed atomics: /stats is a
// snapshot, not a barrier.  Aligned so two workers never share a cache line.
struct alignas(64) WorkerCounters {
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> connections_closed{0};
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::int64_t> held_polls{0};
};

struct Totals {
  std::uint64_t connections_accepted = 0;
  std::uint64_t requests = 0;
  std::uint64_t open_connections = 0;
  std::int64_t held_polls = 0;
};

// Everything the workers share: the frozen options, the TLS context and the counters.
// Built before the workers start and destroyed after they stop.
struct SharedState {
  Options options;
  SSL_CTX* tls = nullptr; // owned; null when serving cleartext
  std::vector<std::unique_ptr<WorkerCounters>> counters;
  std::atomic<std::uint64_t> next_connection_id{1};

  Totals totals() const {
    Totals t;
    std::uint64_t closed = 0;
    for (const auto& c : counters) {
      t.connections_accepted += c->connections_accepted.load(std::memory_order_relaxed);
      closed += c->connections_closed.load(std::memory_order_relaxed);
      t.requests += c->requests.load(std::memory_order_relaxed);
      t.held_polls += c->held_polls.load(std::memory_order_relaxed);
    }
    t.open_connections = t.connections_accepted > closed ? t.connections_accepted - closed : 0;
    return t;
  }
};

} // namespace stgw::stps_sim
