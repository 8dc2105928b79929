#pragma once

// Blocking TCP connects with a deadline, for the doctor's backend checks. Not for the data path
// (that is gateway/net, on the event loop).

#include <expected>
#include <string>

#include "config/gateway_config.h"

namespace stgw::doctor {

// A connected socket; closes it on destruction.
class TcpConnection {
public:
  TcpConnection() = default;
  explicit TcpConnection(int fd) : fd_(fd) {}
  TcpConnection(TcpConnection&& other) noexcept : fd_(other.release()) {}
  TcpConnection& operator=(TcpConnection&& other) noexcept;
  ~TcpConnection();

  int fd() const { return fd_; }
  int release();
  std::string peer_address() const;  // "127.0.0.1:9443" / "[::1]:9443"
  std::string local_address() const; // IP only, as the backend sees it

private:
  int fd_ = -1;
};

// Resolves |address| and tries each result until one connects or |timeout| has passed in
// total. The socket is left blocking with send/receive timeouts of |timeout|, so that a TLS
// handshake on it cannot hang either. The error names the host and the reason.
std::expected<TcpConnection, std::string> connect_with_timeout(const config::HostPort& address,
                                                               config::Duration timeout);

// "host:port", IPv6 hosts bracketed.
std::string host_port_text(const config::HostPort& address);

} // namespace stgw::doctor
