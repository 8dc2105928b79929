#include "loadtest/stps_sim/worker.h"

#include <arpa/inet.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "loadtest/stps_sim/handlers.h"
#include "loadtest/stps_sim/response.h"

namespace stgw::stps_sim {
namespace {

constexpr int kListenBacklog = 4096;
constexpr ev_ssize_t kMaxHeadersBytes = 1 << 20;
// evhttp keeps a request body in memory before calling us; this bounds what one upload costs.
constexpr ev_ssize_t kMaxBodyBytes = ev_ssize_t{1} << 30;

constexpr ev_uint16_t kAllMethods = EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                    EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH;

StartError start_error(StartErrc code, std::string detail) {
  return {code, std::move(detail)};
}

std::uint16_t bound_port(evutil_socket_t fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
    return 0;
  if (ss.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

} // namespace

void Operation::on_connection_closed() {
  if (req_ != nullptr && evhttp_request_get_connection(req_) == nullptr) {
    evhttp_request_free(req_);
  }
  req_ = nullptr;
}

std::expected<std::unique_ptr<Worker>, StartError> Worker::create(SharedState& shared,
                                                                  std::size_t index) {
  std::unique_ptr<Worker> w(new Worker(shared, index));
  w->random_.seed(std::random_device{}() ^ (std::uint64_t{index} << 32));
  event_config* config = event_config_new();
  if (config != nullptr) {
    // Each base is touched by one thread only; stop() goes through a pipe, not a lock.
    event_config_set_flag(config, EVENT_BASE_FLAG_NOLOCK);
    // evhttp toggles read/write interest several times per request; the changelist folds those
    // into one epoll_ctl per loop pass (measured: about a quarter less CPU per request).  Safe
    // here because no descriptor is ever dup()ed.
    event_config_set_flag(config, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    w->base_ = event_base_new_with_config(config);
    event_config_free(config);
  }
  if (w->base_ == nullptr)
    return std::unexpected(start_error(StartErrc::EventLoop, "event_base_new failed"));
  w->http_ = evhttp_new(w->base_);
  if (w->http_ == nullptr)
    return std::unexpected(start_error(StartErrc::EventLoop, "evhttp_new failed"));
  if (pipe2(w->stop_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
    return std::unexpected(
        start_error(StartErrc::EventLoop, fmt::format("pipe: {}", std::strerror(errno))));
  }
  w->stop_event_ = event_new(w->base_, w->stop_pipe_[0], EV_READ, &Worker::on_stop, w.get());
  w->register_event_ = event_new(w->base_, -1, 0, &Worker::on_register_pending, w.get());
  if (w->stop_event_ == nullptr || w->register_event_ == nullptr ||
      event_add(w->stop_event_, nullptr) != 0) {
    return std::unexpected(start_error(StartErrc::EventLoop, "event_new failed"));
  }
  timeval hold{static_cast<time_t>(shared.options.poll_hold.count() / 1000000),
               static_cast<suseconds_t>(shared.options.poll_hold.count() % 1000000)};
  w->default_hold_ = event_base_init_common_timeout(w->base_, &hold);

  evhttp_set_allowed_methods(w->http_, kAllMethods);
  evhttp_set_max_headers_size(w->http_, kMaxHeadersBytes);
  evhttp_set_max_body_size(w->http_, kMaxBodyBytes);
  evhttp_set_bevcb(w->http_, &Worker::on_new_bufferevent, w.get());
  evhttp_set_gencb(w->http_, &Worker::on_request, w.get());
  if (auto idle = shared.options.idle_timeout; idle.count() > 0) {
    timeval tv{static_cast<time_t>(idle.count() / 1000000),
               static_cast<suseconds_t>(idle.count() % 1000000)};
    evhttp_set_timeout_tv(w->http_, &tv);
  }
  return w;
}

Worker::~Worker() {
  if (base_ != nullptr)
    shutdown();
  for (int fd : stop_pipe_) {
    if (fd >= 0)
      close(fd);
  }
}

std::expected<std::uint16_t, StartError> Worker::listen(const ListenAddress& address) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (address.ipv6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(address.port);
    inet_pton(AF_INET6, address.host.c_str(), &sin6->sin6_addr);
    len = sizeof(*sin6);
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(address.port);
    inet_pton(AF_INET, address.host.c_str(), &sin->sin_addr);
    len = sizeof(*sin);
  }
  unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE |
                   LEV_OPT_REUSEABLE_PORT | (address.ipv6 ? LEV_OPT_BIND_IPV6ONLY : 0u);
  evconnlistener* listener = evconnlistener_new_bind(base_, nullptr, nullptr, flags, kListenBacklog,
                                                     reinterpret_cast<sockaddr*>(&ss), len);
  std::string where = address.ipv6 ? fmt::format("[{}]:{}", address.host, address.port)
                                   : fmt::format("{}:{}", address.host, address.port);
  if (listener == nullptr) {
    return std::unexpected(start_error(
        StartErrc::Bind, fmt::format("cannot listen on {}: {}", where, std::strerror(errno))));
  }
  if (evhttp_bind_listener(http_, listener) == nullptr) {
    evconnlistener_free(listener);
    return std::unexpected(
        start_error(StartErrc::Bind, fmt::format("evhttp cannot use {}", where)));
  }
  return bound_port(evconnlistener_get_fd(listener));
}

void Worker::run() {
  event_base_dispatch(base_);
  shutdown();
}

void Worker::stop() {
  char byte = 1;
  // A full pipe already carries a stop request, so a failed write loses nothing.
  [[maybe_unused]] auto n = write(stop_pipe_[1], &byte, 1);
}

void Worker::on_stop(int, short, void* arg) noexcept {
  event_base_loopbreak(static_cast<Worker*>(arg)->base_);
}

bufferevent* Worker::on_new_bufferevent(event_base*, void* arg) noexcept {
  return static_cast<Worker*>(arg)->make_bufferevent();
}

// evhttp has no accept hook in libevent 2.1, but it asks us for each connection's bufferevent
// and then installs the connection as that bufferevent's callback argument.  So the bufferevent
// is remembered here and, once evhttp has finished setting up, read back in
// register_pending() — before the loop polls the new socket, so before any request.  The extra
// reference keeps the bufferevent readable even if evhttp dropped the connection meanwhile.
bufferevent* Worker::make_bufferevent() {
  counters().connections_accepted.fetch_add(1, std::memory_order_relaxed);
  bufferevent* bev = nullptr;
  if (shared_.tls != nullptr) {
    SSL* ssl = SSL_new(shared_.tls);
    if (ssl == nullptr)
      return nullptr;
    bev = bufferevent_openssl_socket_new(base_, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                         BEV_OPT_CLOSE_ON_FREE);
    if (bev == nullptr) {
      SSL_free(ssl);
      return nullptr;
    }
    // Clients that hang up without close_notify are normal for HTTP; do not report an error.
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
  } else {
    bev = bufferevent_socket_new(base_, -1, BEV_OPT_CLOSE_ON_FREE);
    if (bev == nullptr)
      return nullptr;
  }
  bufferevent_incref(bev);
  pending_accepts_.push_back(bev);
  event_active(register_event_, EV_TIMEOUT, 1);
  return bev;
}

void Worker::on_register_pending(int, short, void* arg) noexcept {
  static_cast<Worker*>(arg)->register_pending();
}

void Worker::register_pending() {
  for (bufferevent* bev : pending_accepts_) {
    bufferevent_data_cb read_cb = nullptr;
    bufferevent_data_cb write_cb = nullptr;
    bufferevent_event_cb event_cb = nullptr;
    void* cb_arg = nullptr;
    bufferevent_getcb(bev, &read_cb, &write_cb, &event_cb, &cb_arg);
    if (cb_arg != nullptr && event_cb != nullptr) {
      auto* evcon = static_cast<evhttp_connection*>(cb_arg);
      if (!connections_.contains(evcon))
        register_connection(evcon);
      int one = 1;
      setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    } else {
      // evhttp gave the connection up before we saw it; it is closed already.
      counters().connections_closed.fetch_add(1, std::memory_order_relaxed);
    }
    bufferevent_decref(bev);
  }
  pending_accepts_.clear();
}

Connection& Worker::register_connection(evhttp_connection* evcon) {
  auto conn = std::make_unique<Connection>();
  conn->id = shared_.next_connection_id.fetch_add(1, std::memory_order_relaxed);
  conn->evcon = evcon;
  evhttp_connection_set_closecb(evcon, &Worker::on_close, this);
  auto [it, inserted] = connections_.emplace(evcon, std::move(conn));
  return *it->second;
}

Connection& Worker::connection_of(evhttp_request* req) {
  evhttp_connection* evcon = evhttp_request_get_connection(req);
  if (auto it = connections_.find(evcon); it != connections_.end())
    return *it->second;
  // Only when make_bufferevent() could not build a bufferevent and evhttp made its own.
  return register_connection(evcon);
}

void Worker::adopt(evhttp_request* req, std::unique_ptr<Operation> op) {
  Connection& conn = connection_of(req);
  op->connection_ = &conn;
  conn.op = std::move(op);
}

std::unique_ptr<Operation> Worker::release(Operation* op) {
  Connection* conn = op->connection_;
  if (conn == nullptr || conn->op.get() != op)
    return nullptr;
  op->connection_ = nullptr;
  return std::move(conn->op);
}

void Worker::on_close(evhttp_connection* evcon, void* arg) noexcept {
  static_cast<Worker*>(arg)->forget_connection(evcon);
}

void Worker::forget_connection(evhttp_connection* evcon) {
  auto it = connections_.find(evcon);
  if (it == connections_.end())
    return;
  if (it->second->op != nullptr)
    it->second->op->on_connection_closed();
  auto conn = std::move(it->second);
  connections_.erase(it);
  counters().connections_closed.fetch_add(1, std::memory_order_relaxed);
}

void Worker::on_request(evhttp_request* req, void* arg) noexcept {
  auto* worker = static_cast<Worker*>(arg);
  worker->counters().requests.fetch_add(1, std::memory_order_relaxed);
  try {
    handle_request(*worker, req);
  } catch (...) {
    // Only allocation failure can throw here; the request has not been answered yet.
    evhttp_send_error(req, 500, nullptr);
  }
}

void Worker::shutdown() {
  register_pending();
  // Frees every connection; their close callbacks cancel the operations still running.
  if (http_ != nullptr)
    evhttp_free(http_);
  http_ = nullptr;
  for (auto& [evcon, conn] : connections_) {
    if (conn->op != nullptr)
      conn->op->forget_transport();
  }
  connections_.clear();
  if (register_event_ != nullptr)
    event_free(register_event_);
  if (stop_event_ != nullptr)
    event_free(stop_event_);
  register_event_ = stop_event_ = nullptr;
  if (base_ != nullptr)
    event_base_free(base_);
  base_ = nullptr;
}

} // namespace stgw::stps_sim
