#pragma once

// Per-worker state that sessions share. Everything here is touched only by the worker's own
// thread, except what the comments say.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "config/gateway_config.h"
#include "gateway/net/handles.h"
#include "gateway/net/stream.h"
#include "gateway/net/tls_context.h"
#include "gateway/policy/router.h"
#include "gateway/proxy/backend_pool.h"
#include "gateway/proxy/exchange_record.h"

namespace stgw::policy {
class AuthGate;
class ConnectionBudget;
} // namespace stgw::policy
namespace stgw::ssoauth {
class ValidationCache;
}

namespace stgw::proxy {

class ClientSession;

// Process-wide products of one configuration, built once at start-up or reload and shared
// read-only by every worker: TLS contexts, backend addresses and health, the auth gate.
struct SharedGeneration {
  config::ConfigPtr config;
  std::vector<std::shared_ptr<net::ServerTlsContext>>
      listener_tls;                                               // per listener; null = cleartext
  std::vector<std::vector<net::SocketAddress>> backend_addresses; // per backend, per server
  std::vector<std::shared_ptr<BackendHealth>> backend_health;     // per backend
  std::vector<std::shared_ptr<const net::ClientTlsContext>> backend_tls; // per backend; may be null
  std::shared_ptr<const policy::AuthGate> auth_gate;                     // null without [sso]
};

// One worker's view of one configuration: the router and its own backend pools. Exchanges
// hold a shared_ptr to the generation they started with, so a reload never pulls the ground
// from under a running long poll.
class Generation {
public:
  Generation(net::IoLoop& loop, std::shared_ptr<const SharedGeneration> shared,
             ProxyObserver& observer);
  const config::GatewayConfig& config() const { return *shared_->config; }
  const SharedGeneration& shared() const { return *shared_; }
  const policy::Router& router() const { return router_; }
  BackendPool* pool_for(const config::RouteConfig& route);
  const std::string& route_label(const config::RouteConfig* route) const;
  BackendPool& pool(std::size_t index) { return *pools_[index]; }
  std::size_t pool_count() const { return pools_.size(); }

private:
  std::shared_ptr<const SharedGeneration> shared_;
  policy::Router router_;
  std::vector<std::unique_ptr<BackendPool>> pools_;
  std::vector<std::string> route_labels_; // per route, for metrics and logs
};

struct ListenerInfo {
  std::string name;
  int port = 0;
  std::shared_ptr<net::ServerTlsContext> tls; // null = cleartext
};

class WorkerContext {
public:
  WorkerContext(event_base* base, ProxyObserver& observer, ssoauth::ValidationCache* cache,
                policy::ConnectionBudget* budget)
      : base_(base), io_(base), observer_(observer), cache_(cache), budget_(budget) {}

  event_base* base() const { return base_; }
  net::IoLoop& io() { return io_; }
  ProxyObserver& observer() const { return observer_; }
  ssoauth::ValidationCache* validation_cache() const { return cache_; }
  policy::ConnectionBudget* budget() const { return budget_; }

  const std::shared_ptr<Generation>& generation() const { return generation_; }
  void set_generation(std::shared_ptr<Generation> generation) {
    generation_ = std::move(generation);
  }

  bool draining() const { return draining_; }
  // Stops keep-alive, closes idle sessions, answers parked polls soon (see ClientSession).
  void begin_drain();

  // Ends every session now (drain deadline, shutdown).
  void terminate_all();

  // Session registry (intrusive list) for drain and counting.
  // Where a session serialises a head or chunk header just before writing it; the stream
  // copies it at once, so one buffer serves every session of the worker (none of them keeps
  // its own while it waits, e.g. on a parked poll).
  std::string& scratch() {
    scratch_.clear();
    return scratch_;
  }

  // Parked polls release their parked state (ClientSession::release_parked_state) after they
  // have waited kParkedRelease; a session that parks a poll asks for the sweep that does it.
  static constexpr std::chrono::milliseconds kParkedRelease{100};
  void sweep_parked_later();

  void add(ClientSession* session);
  void remove(ClientSession* session);
  std::size_t session_count() const { return sessions_; }

private:
  static void on_parked_sweep(evutil_socket_t, short, void* arg) noexcept;

  event_base* base_;
  net::IoLoop io_;
  ProxyObserver& observer_;
  ssoauth::ValidationCache* cache_;
  policy::ConnectionBudget* budget_;
  std::shared_ptr<Generation> generation_;
  bool draining_ = false;
  ClientSession* head_ = nullptr;
  std::size_t sessions_ = 0;
  std::string scratch_;
  net::EventPtr parked_sweep_;
};

} // namespace stgw::proxy
