#pragma once

// Backend connections for one [[backend]] on one worker: a keep-alive pool per server, server
// choice (JSESSIONID clone id, then a hash of the user, then round robin among healthy servers)
// and passive health (a failed connect marks the server down for a while). Everything here
// runs on the worker's thread; only BackendHealth is shared, through atomics.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/gateway_config.h"
#include "gateway/net/address.h"
#include "gateway/net/handles.h"
#include "gateway/net/stream.h"
#include "gateway/net/tls_context.h"
#include "gateway/proxy/exchange_record.h"

namespace stgw::proxy {

// Health of every server of one backend, shared by all workers of one config generation.
// A server is down until a time: an active health probe marks it down until the next probe
// that passes; a failed proxied connect marks it down for kPassiveCooldown only, so that a
// backend without health checks is retried instead of being lost for good.
class BackendHealth {
public:
  static constexpr std::chrono::milliseconds kPassiveCooldown{2000};

  explicit BackendHealth(std::size_t servers);
  bool healthy(std::size_t server) const;
  void mark(std::size_t server, bool healthy); // active probe result
  void mark_failed_for(std::size_t server, std::chrono::milliseconds cooldown); // passive
  bool any_healthy() const;
  std::size_t size() const { return count_; }

private:
  std::size_t count_;
  std::unique_ptr<std::atomic<std::int64_t>[]> down_until_ms_; // steady clock; 0 = up
};

class BackendConnection;

// Who is told about a backend connection's events while it serves an exchange.
class BackendConnectionOwner {
public:
  virtual ~BackendConnectionOwner() = default;
  virtual void on_backend_connected(BackendConnection& connection) = 0;
  virtual void on_backend_readable(BackendConnection& connection) = 0;
  virtual void on_backend_drained(BackendConnection& connection) = 0; // output below low mark
  // Connect failure, reset, EOF or timeout. |events| are net::StreamEvents flags.
  virtual void on_backend_event(BackendConnection& connection, short events) = 0;
};

class BackendPool;

class BackendConnection {
public:
  BackendConnection(BackendPool& pool, std::size_t server, std::unique_ptr<net::Stream> stream);
  ~BackendConnection();

  net::Stream& stream() const { return *stream_; }
  std::size_t server() const { return server_; }
  const std::string& server_name() const; // "host:port"
  bool connected() const { return connected_; }
  bool reused() const { return requests_ > 0; }
  void set_owner(BackendConnectionOwner* owner) { owner_ = owner; }
  void count_request() { ++requests_; }
  // Read timeout while waiting for/streaming a response; nullptr = none.
  void set_read_timeout(std::chrono::milliseconds timeout);

private:
  friend class BackendPool;
  static void on_read(net::Stream&, void* arg) noexcept;
  static void on_drained(net::Stream&, void* arg) noexcept;
  static void on_event(net::Stream&, short events, void* arg) noexcept;

  BackendPool& pool_;
  std::unique_ptr<net::Stream> stream_;
  BackendConnectionOwner* owner_ = nullptr;
  std::uint64_t requests_ = 0;
  // Intrusive idle list links (a connection is idle or owned, never both).
  BackendConnection* idle_prev_ = nullptr;
  BackendConnection* idle_next_ = nullptr;
  std::uint32_t server_;
  bool connected_ = false;
  bool idle_ = false;
};

struct BackendServer {
  config::BackendServerConfig config;
  net::SocketAddress address;
  std::string name; // "host:port"
  BackendConnection* idle_head = nullptr;
  int idle_count = 0;
  int open_count = 0; // connections open (idle + busy), this worker
};

class BackendPool {
public:
  // |servers| are resolved by the caller (start-up or reload, never on the data path).
  BackendPool(net::IoLoop& loop, const config::BackendConfig& config,
              std::vector<net::SocketAddress> addresses, std::shared_ptr<BackendHealth> health,
              std::shared_ptr<const net::ClientTlsContext> tls, ProxyObserver& observer);
  ~BackendPool();
  BackendPool(const BackendPool&) = delete;
  BackendPool& operator=(const BackendPool&) = delete;

  const config::BackendConfig& config() const { return config_; }
  BackendHealth& health() const { return *health_; }
  const BackendServer& server(std::size_t index) const { return servers_[index]; }
  std::size_t size() const { return servers_.size(); }

  // Chooses a server: the one whose clone id ends |jsessionid| when healthy, else by
  // |user_hash| when affinity = user and non-zero, else round robin among healthy servers.
  // nullopt when every server is down (→ 503).
  std::optional<std::size_t> choose(std::string_view jsessionid_clone, std::uint64_t user_hash);

  // An idle pooled connection to |server|, or a new one (connecting). nullptr when a socket
  // could not be created (descriptor exhaustion).
  BackendConnection* acquire(std::size_t server, BackendConnectionOwner& owner);
  // Returns |connection| to the idle list when |reusable|, else closes it.
  void release(BackendConnection* connection, bool reusable);
  // A connect failed or a server reset: mark it down until the next successful connect.
  void report_failure(std::size_t server);
  void report_success(std::size_t server);

  // Closes every idle connection (drain, reload).
  void close_idle();
  int open_connections() const;
  int idle_connections() const;

private:
  friend class BackendConnection;
  void push_idle(BackendConnection* connection);
  void unlink_idle(BackendConnection* connection);
  void on_idle_event(BackendConnection* connection); // closed or timed out while idle
  BackendConnection* connect(std::size_t server, BackendConnectionOwner& owner);
  void count(std::size_t server, std::string_view state, int delta);

  net::IoLoop& loop_;
  const config::BackendConfig& config_;
  std::vector<BackendServer> servers_;
  std::shared_ptr<BackendHealth> health_;
  std::shared_ptr<const net::ClientTlsContext> tls_;
  ProxyObserver& observer_;
  std::size_t next_ = 0; // round robin cursor
};

} // namespace stgw::proxy
