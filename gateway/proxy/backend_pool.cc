#include "gateway/proxy/backend_pool.h"

#include <limits>
#include <netinet/in.h>
#include <netinet/tcp.h>

namespace stgw::proxy {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000),
                 static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

// Output above this stops reading from the client (request bodies); below the low mark the
// owner is told to resume.
constexpr std::size_t kWriteLowMark = 64 * 1024;

} // namespace

namespace {

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr std::int64_t kDownUntilProbe = std::numeric_limits<std::int64_t>::max();

} // namespace

BackendHealth::BackendHealth(std::size_t servers)
    : count_(servers), down_until_ms_(new std::atomic<std::int64_t>[servers]) {
  for (std::size_t i = 0; i < servers; ++i)
    down_until_ms_[i].store(0, std::memory_order_relaxed);
}

bool BackendHealth::healthy(std::size_t server) const {
  std::int64_t until = down_until_ms_[server].load(std::memory_order_relaxed);
  return until == 0 || (until != kDownUntilProbe && steady_ms() >= until);
}

void BackendHealth::mark(std::size_t server, bool healthy) {
  down_until_ms_[server].store(healthy ? 0 : kDownUntilProbe, std::memory_order_relaxed);
}

void BackendHealth::mark_failed_for(std::size_t server, std::chrono::milliseconds cooldown) {
  // Never shorten a probe's verdict: only an up server (or a passive mark) is (re)marked.
  std::int64_t until = down_until_ms_[server].load(std::memory_order_relaxed);
  if (until == kDownUntilProbe)
    return;
  down_until_ms_[server].store(steady_ms() + cooldown.count(), std::memory_order_relaxed);
}

bool BackendHealth::any_healthy() const {
  for (std::size_t i = 0; i < count_; ++i)
    if (healthy(i))
      return true;
  return false;
}

BackendConnection::BackendConnection(BackendPool& pool, std::size_t server,
                                     std::unique_ptr<net::Stream> stream)
    : pool_(pool), stream_(std::move(stream)), server_(static_cast<std::uint32_t>(server)) {
  static constexpr net::StreamHandler kHandler{&BackendConnection::on_read,
                                               &BackendConnection::on_drained,
                                               &BackendConnection::on_event, 0, kWriteLowMark};
  stream_->set_handler(kHandler, this);
}

BackendConnection::~BackendConnection() = default;

const std::string& BackendConnection::server_name() const {
  return pool_.server(server_).name;
}

void BackendConnection::set_read_timeout(std::chrono::milliseconds timeout) {
  timeval read = to_timeval(timeout);
  timeval write = to_timeval(pool_.config().connect_timeout);
  stream_->set_timeouts(timeout.count() > 0 ? &read : nullptr, connected_ ? nullptr : &write);
}

void BackendConnection::on_read(net::Stream&, void* arg) noexcept {
  auto* self = static_cast<BackendConnection*>(arg);
  if (self->idle_) {
    // Bytes on an idle connection are a protocol error (or an early close notice).
    self->pool_.on_idle_event(self);
    return;
  }
  if (self->owner_ != nullptr)
    self->owner_->on_backend_readable(*self);
}

void BackendConnection::on_drained(net::Stream&, void* arg) noexcept {
  auto* self = static_cast<BackendConnection*>(arg);
  if (!self->idle_ && self->owner_ != nullptr)
    self->owner_->on_backend_drained(*self);
}

void BackendConnection::on_event(net::Stream& stream, short events, void* arg) noexcept {
  auto* self = static_cast<BackendConnection*>(arg);
  if (events & net::kStreamConnected) {
    self->connected_ = true;
    int one = 1;
    setsockopt(stream.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    self->pool_.report_success(self->server_);
    if (self->owner_ != nullptr)
      self->owner_->on_backend_connected(*self);
    return;
  }
  if (self->idle_) {
    self->pool_.on_idle_event(self);
    return;
  }
  if (!self->connected_ && (events & (net::kStreamError | net::kStreamTimeout)))
    self->pool_.report_failure(self->server_);
  if (self->owner_ != nullptr)
    self->owner_->on_backend_event(*self, events);
}

BackendPool::BackendPool(net::IoLoop& loop, const config::BackendConfig& config,
                         std::vector<net::SocketAddress> addresses,
                         std::shared_ptr<BackendHealth> health,
                         std::shared_ptr<const net::ClientTlsContext> tls, ProxyObserver& observer)
    : loop_(loop), config_(config), health_(std::move(health)), tls_(std::move(tls)),
      observer_(observer) {
  for (std::size_t i = 0; i < config.servers.size(); ++i) {
    BackendServer server;
    server.config = config.servers[i];
    server.address = addresses[i];
    server.name = config.servers[i].address.to_string();
    servers_.push_back(std::move(server));
  }
}

BackendPool::~BackendPool() {
  close_idle();
}

std::optional<std::size_t> BackendPool::choose(std::string_view clone, std::uint64_t user_hash) {
  if (!clone.empty() && config_.affinity != config::Affinity::None) {
    for (std::size_t i = 0; i < servers_.size(); ++i)
      if (servers_[i].config.clone_id == clone && health_->healthy(i))
        return i;
  }
  if (user_hash != 0 && config_.affinity == config::Affinity::User) {
    std::size_t start = user_hash % servers_.size();
    for (std::size_t k = 0; k < servers_.size(); ++k) {
      std::size_t i = (start + k) % servers_.size();
      if (health_->healthy(i))
        return i;
    }
  }
  for (std::size_t k = 0; k < servers_.size(); ++k) {
    std::size_t i = next_++ % servers_.size();
    if (health_->healthy(i))
      return i;
  }
  return std::nullopt;
}

BackendConnection* BackendPool::acquire(std::size_t server, BackendConnectionOwner& owner) {
  BackendServer& target = servers_[server];
  if (BackendConnection* connection = target.idle_head) {
    unlink_idle(connection);
    connection->set_owner(&owner);
    count(server, "idle", -1);
    count(server, "active", +1);
    return connection;
  }
  return connect(server, owner);
}

BackendConnection* BackendPool::connect(std::size_t server, BackendConnectionOwner& owner) {
  BackendServer& target = servers_[server];
  SSL* ssl = tls_ ? tls_->new_ssl(target.config.address.host) : nullptr;
  auto stream = net::Stream::connect(loop_, target.address, ssl);
  if (!stream) {
    // No descriptor (or no socket for this family): nothing is going to call back.
    report_failure(server);
    return nullptr;
  }
  auto* connection = new BackendConnection(*this, server, std::move(stream));
  connection->set_owner(&owner);
  connection->set_read_timeout(std::chrono::milliseconds(0));
  ++target.open_count;
  count(server, "active", +1);
  return connection;
}

void BackendPool::release(BackendConnection* connection, bool reusable) {
  BackendServer& server = servers_[connection->server_];
  connection->set_owner(nullptr);
  bool room = server.idle_count < config_.max_idle_per_server;
  count(connection->server_, "active", -1);
  if (reusable && room && connection->connected_ && connection->stream().input().empty()) {
    push_idle(connection);
    count(connection->server_, "idle", +1);
    return;
  }
  --server.open_count;
  delete connection;
}

void BackendPool::push_idle(BackendConnection* connection) {
  BackendServer& server = servers_[connection->server_];
  connection->idle_ = true;
  connection->idle_prev_ = nullptr;
  connection->idle_next_ = server.idle_head;
  if (server.idle_head != nullptr)
    server.idle_head->idle_prev_ = connection;
  server.idle_head = connection;
  ++server.idle_count;
  // Keep reading so that a backend close is noticed; time out unused connections.
  timeval idle = to_timeval(config_.idle_timeout);
  connection->stream().set_timeouts(&idle, nullptr);
  connection->stream().enable_reading(true);
}

void BackendPool::unlink_idle(BackendConnection* connection) {
  BackendServer& server = servers_[connection->server_];
  if (connection->idle_prev_ != nullptr)
    connection->idle_prev_->idle_next_ = connection->idle_next_;
  else
    server.idle_head = connection->idle_next_;
  if (connection->idle_next_ != nullptr)
    connection->idle_next_->idle_prev_ = connection->idle_prev_;
  connection->idle_prev_ = connection->idle_next_ = nullptr;
  connection->idle_ = false;
  --server.idle_count;
  connection->stream().set_timeouts(nullptr, nullptr);
}

void BackendPool::on_idle_event(BackendConnection* connection) {
  unlink_idle(connection);
  count(connection->server_, "idle", -1);
  --servers_[connection->server_].open_count;
  delete connection;
}

void BackendPool::count(std::size_t server, std::string_view state, int delta) {
  observer_.on_backend_connection(config_.name, servers_[server].name, state, delta);
}

void BackendPool::report_failure(std::size_t server) {
  health_->mark_failed_for(server, BackendHealth::kPassiveCooldown);
}

void BackendPool::report_success(std::size_t server) {
  health_->mark(server, true);
}

void BackendPool::close_idle() {
  for (auto& server : servers_) {
    while (BackendConnection* connection = server.idle_head) {
      unlink_idle(connection);
      count(connection->server_, "idle", -1);
      --server.open_count;
      delete connection;
    }
  }
}

int BackendPool::open_connections() const {
  int total = 0;
  for (const auto& server : servers_)
    total += server.open_count;
  return total;
}

int BackendPool::idle_connections() const {
  int total = 0;
  for (const auto& server : servers_)
    total += server.idle_count;
  return total;
}

} // namespace stgw::proxy
