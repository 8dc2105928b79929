#pragma once

// What the proxy reports about each finished exchange and each change of state that metrics
// follow. The server module implements ProxyObserver (access log, Prometheus); the proxy never
// formats logs or touches metric families itself.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace stgw::proxy {

struct ExchangeRecord {
  std::chrono::system_clock::time_point start;
  std::chrono::steady_clock::duration duration{};
  std::string_view client_ip;
  std::string_view listener;
  std::string_view method;
  std::string_view target; // as received (the logger drops the query unless configured)
  std::string_view host;
  std::string_view referer_origin; // Origin or Referer, for the product label
  int status = 0;                  // 0 = no response was sent (client went away)
  std::uint64_t bytes_in = 0;      // request body bytes from the client
  std::uint64_t bytes_out = 0;     // response body bytes to the client
  std::string_view route;          // route label (its prefix, "host/prefix" with a host); "" = none
  std::string_view backend;        // backend name, empty when none
  std::string_view server;         // "host:port", empty when none
  std::string_view user;           // verified identity, empty = none
  std::string_view token_format;   // "ltpa2" | "ltpa1" | "domino" | ""
  std::string_view auth_result;    // "valid" | "missing" | "expired" | "invalid" | "" (no auth)
  std::string_view tls_version;    // "" for cleartext
  bool parked = false;             // waited on the backend for the response head
  std::string_view error;          // stable error code, empty when none
};

enum class BackendErrorKind { Connect, Reset, Timeout, Protocol, Tls };
std::string_view to_string(BackendErrorKind kind);

class ProxyObserver {
public:
  virtual ~ProxyObserver() = default;
  virtual void on_exchange_done(const ExchangeRecord& record) = 0;
  virtual void on_parked(std::string_view route, std::string_view referer_origin, int delta) = 0;
  virtual void on_client_connection(std::string_view listener, int delta) = 0;
  virtual void on_tls_handshake(std::string_view listener, bool ok) = 0;
  virtual void on_backend_error(std::string_view backend, std::string_view server,
                                BackendErrorKind kind) = 0;
  virtual void on_rejected(std::string_view reason) = 0; // decode errors, caps, 429s
  // One LTPA check of a request: format "ltpa2|ltpa1|domino" ("" when no cookie), result
  // "valid|missing|expired|invalid", and whether the worker's cache answered it.
  virtual void on_ltpa_validation(std::string_view format, std::string_view result,
                                  bool cache_hit) = 0;
  // Backend connections opened/closed per state ("active" or "idle").
  virtual void on_backend_connection(std::string_view backend, std::string_view server,
                                     std::string_view state, int delta) = 0;
};

// Does nothing: for tests and for the demo without metrics.
class NullObserver final : public ProxyObserver {
public:
  void on_exchange_done(const ExchangeRecord&) override {}
  void on_parked(std::string_view, std::string_view, int) override {}
  void on_client_connection(std::string_view, int) override {}
  void on_tls_handshake(std::string_view, bool) override {}
  void on_backend_error(std::string_view, std::string_view, BackendErrorKind) override {}
  void on_rejected(std::string_view) override {}
  void on_ltpa_validation(std::string_view, std::string_view, bool) override {}
  void on_backend_connection(std::string_view, std::string_view, std::string_view, int) override {}
};

// The metrics label of a route: its prefix, or "host/prefix" when the route names a host.
std::string route_label(std::string_view host, std::string_view prefix);

} // namespace stgw::proxy
