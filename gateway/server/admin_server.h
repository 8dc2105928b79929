#pragma once

// The admin listener ([admin], loopback by default) on the control thread's loop, served by
// libevent's evhttp: GET /metrics (Prometheus text), /healthz (alive), /readyz (ready to take
// traffic). It holds no gateway state; the callbacks supply the answers.

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/gateway_config.h"

struct event_base;
struct evhttp;
struct evhttp_request;

namespace stgw::server {

struct AdminCallbacks {
  std::function<std::string()> metrics;                         // the /metrics body
  std::function<std::optional<std::string>()> not_ready_reason; // nullopt = ready
};

class AdminServer {
public:
  // Binds |address| (port 0 = the kernel picks; see port()) on |base|, whose thread then runs
  // every callback. Errors name the address and the reason; nothing stays bound on error.
  static std::expected<std::unique_ptr<AdminServer>, std::string>
  start(event_base* base, const config::HostPort& address, AdminCallbacks callbacks);
  ~AdminServer(); // closes the listener and open admin connections; on the loop's thread
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  std::uint16_t port() const { return port_; }

private:
  struct EvhttpDeleter {
    void operator()(evhttp* http) const;
  };

  explicit AdminServer(AdminCallbacks callbacks) : callbacks_(std::move(callbacks)) {}
  static void on_request(evhttp_request* request, void* arg) noexcept;
  void handle(evhttp_request* request);

  AdminCallbacks callbacks_;
  std::unique_ptr<evhttp, EvhttpDeleter> http_;
  std::uint16_t port_ = 0;
};

} // namespace stgw::server
