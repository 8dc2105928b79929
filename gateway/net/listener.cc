#include "gateway/net/listener.h"

#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

namespace stgw::net {
namespace {
constexpr int kBacklog = 4096;
constexpr timeval kAcceptRetry{0, 100 * 1000};

// Closes with a reset rather than a FIN: the client sees ECONNRESET at once and the socket
// leaves no TIME_WAIT behind.
void reset_and_close(int fd) {
  linger abort{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  ::close(fd);
}
} // namespace

std::expected<std::unique_ptr<Listener>, std::string>
Listener::open(event_base* base, const SocketAddress& address, ListenerCallbacks& callbacks) {
  std::unique_ptr<Listener> self(new Listener(callbacks));
  unsigned flags =
      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT;
  self->listener_.reset(evconnlistener_new_bind(base, &Listener::on_accept_trampoline, self.get(),
                                                flags, kBacklog, address.get(), address.length));
  if (!self->listener_)
    return std::unexpected(
        fmt::format("cannot listen on {}:{}: {}", address.ip(), address.port(), strerror(errno)));
  evconnlistener_set_error_cb(self->listener_.get(), &Listener::on_error_trampoline);
  self->retry_timer_.reset(evtimer_new(base, &Listener::on_retry_trampoline, self.get()));
  return self;
}

void Listener::pause() {
  if (paused_)
    return;
  paused_ = true;
  evconnlistener_disable(listener_.get());
}

void Listener::resume() {
  if (!paused_)
    return;
  paused_ = false;
  if (!backing_off_)
    evconnlistener_enable(listener_.get());
}

std::size_t Listener::refuse_pending(std::size_t max) {
  if (!paused_)
    return 0; // libevent accepts on this socket: leave the backlog to it
  int listen_fd = evconnlistener_get_fd(listener_.get());
  std::size_t refused = 0;
  // Bounded by attempts, not by successes, so that a run of aborted connections cannot spin.
  for (std::size_t attempt = 0; attempt < max; ++attempt) {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      reset_and_close(fd);
      ++refused;
      continue;
    }
    if (errno == ECONNABORTED || errno == EINTR)
      continue; // that client is gone already; the next may be waiting
    break;      // EAGAIN: backlog empty; EMFILE/ENFILE: try again on the next call
  }
  return refused;
}

int Listener::port() const {
  SocketAddress local;
  local.length = sizeof local.storage;
  getsockname(evconnlistener_get_fd(listener_.get()), reinterpret_cast<sockaddr*>(&local.storage),
              &local.length);
  return local.port();
}

void Listener::on_accept_trampoline(evconnlistener*, evutil_socket_t fd, sockaddr* address,
                                    int length, void* arg) noexcept {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  SocketAddress peer;
  std::memcpy(&peer.storage, address, static_cast<std::size_t>(length));
  peer.length = static_cast<socklen_t>(length);
  static_cast<Listener*>(arg)->callbacks_.on_accept(fd, peer);
}

void Listener::on_error_trampoline(evconnlistener* listener, void* arg) noexcept {
  // Out of descriptors (or a transient accept error): stop accepting briefly instead of
  // spinning on a listener that stays readable.
  auto* self = static_cast<Listener*>(arg);
  self->backing_off_ = true;
  evconnlistener_disable(listener);
  evtimer_add(self->retry_timer_.get(), &kAcceptRetry);
}

void Listener::on_retry_trampoline(evutil_socket_t, short, void* arg) noexcept {
  auto* self = static_cast<Listener*>(arg);
  self->backing_off_ = false;
  if (!self->paused_)
    evconnlistener_enable(self->listener_.get());
}

} // namespace stgw::net
