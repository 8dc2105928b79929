#pragma once

// Active health checks of every backend server, run on the control thread's loop: a TCP (or
// TLS) connect and, when a path is configured, "GET path"; any HTTP status below 500 is
// healthy. Results go to the shared BackendHealth that workers read. A failed proxied connect
// marks a server down at once (passive); this brings it back.

#include <memory>
#include <vector>

#include "gateway/net/handles.h"
#include "gateway/proxy/worker_context.h"

namespace stgw::server {

class HealthChecker {
public:
  HealthChecker(event_base* base, std::shared_ptr<const proxy::SharedGeneration> generation);
  ~HealthChecker();
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // Probes every server once right away (start-up, reload).
  void probe_all();

private:
  struct Probe;
  struct Target {
    HealthChecker* owner;
    std::size_t backend;
    std::size_t server;
    net::EventPtr timer;
    Probe* running = nullptr;
  };
  static void on_timer(evutil_socket_t, short, void* arg) noexcept;
  void start_probe(Target& target);
  void finish_probe(Target& target, bool healthy);

  event_base* base_;
  std::shared_ptr<const proxy::SharedGeneration> generation_;
  std::vector<std::unique_ptr<Target>> targets_;
};

} // namespace stgw::server
