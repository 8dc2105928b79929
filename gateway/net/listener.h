#pragma once

// One listening socket on one worker's loop. Every worker binds its own socket to the same
// address with SO_REUSEPORT, so the kernel spreads connections and no lock is shared.

#include <cstddef>
#include <expected>
#include <string>

#include "gateway/net/address.h"
#include "gateway/net/handles.h"

namespace stgw::net {

class ListenerCallbacks {
public:
  virtual ~ListenerCallbacks() = default;
  // A connection was accepted; the callee owns |fd| (non-blocking, close-on-exec).
  virtual void on_accept(int fd, const SocketAddress& peer) = 0;
};

class Listener {
public:
  // Binds and listens on |address|; paused listeners accept nothing until resume().
  static std::expected<std::unique_ptr<Listener>, std::string>
  open(event_base* base, const SocketAddress& address, ListenerCallbacks& callbacks);

  void pause();
  void resume();
  bool paused() const { return paused_; }
  // While paused: accepts up to |max| connections waiting in the backlog and resets each at
  // once (RST: no TIME_WAIT, no descriptor kept), so that clients beyond a cap learn it now
  // instead of timing out. Stops early when the backlog is empty or no descriptor is free
  // (EMFILE/ENFILE). Returns how many were refused; 0 when not paused.
  std::size_t refuse_pending(std::size_t max);
  int port() const; // the bound port (useful when configured as 0)

private:
  Listener(ListenerCallbacks& callbacks) : callbacks_(callbacks) {}
  static void on_accept_trampoline(evconnlistener*, evutil_socket_t fd, sockaddr* address,
                                   int length, void* arg) noexcept;
  static void on_error_trampoline(evconnlistener* listener, void* arg) noexcept;
  static void on_retry_trampoline(evutil_socket_t, short, void* arg) noexcept;

  ListenerCallbacks& callbacks_;
  ListenerPtr listener_;
  EventPtr retry_timer_; // after EMFILE/ENFILE: accept again a little later, no busy loop
  bool paused_ = false;
  bool backing_off_ = false;
};

} // namespace stgw::net
