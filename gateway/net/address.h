#pragma once

// Socket addresses: resolving configured host:port pairs and printing peers.

#include <expected>
#include <string>

#include <sys/socket.h>

#include "config/gateway_config.h"

namespace stgw::net {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }
  std::string ip() const; // "127.0.0.1" or "::1"
  int port() const;
};

// Resolves numerically first, then through getaddrinfo (start-up only: it may block).
std::expected<SocketAddress, std::string> resolve(const config::HostPort& host_port);

// The peer or local address of a connected socket.
SocketAddress peer_address(int fd);

} // namespace stgw::net
