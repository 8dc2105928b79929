#include "gateway/doctor/tcp_probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

namespace stgw::doctor {

namespace {

using Clock = std::chrono::steady_clock;

struct AddrInfoDeleter {
  void operator()(addrinfo* info) const { freeaddrinfo(info); }
};

std::string numeric_host(const sockaddr* addr, socklen_t length) {
  char host[NI_MAXHOST] = {};
  if (getnameinfo(addr, length, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0)
    return "?";
  return host;
}

std::string endpoint_text(const sockaddr_storage& addr, socklen_t length) {
  const std::string host = numeric_host(reinterpret_cast<const sockaddr*>(&addr), length);
  const std::uint16_t port = addr.ss_family == AF_INET6
                                 ? ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port)
                                 : ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  return (addr.ss_family == AF_INET6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// One non-blocking connect attempt bounded by |deadline|; 0 or an errno value (ETIMEDOUT).
int connect_one(int fd, const addrinfo& ai, Clock::time_point deadline) {
  if (::connect(fd, ai.ai_addr, ai.ai_addrlen) == 0)
    return 0;
  if (errno != EINPROGRESS)
    return errno;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0)
      return ETIMEDOUT;
    pollfd pfd{fd, POLLOUT, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready <= 0)
      return ready == 0 ? ETIMEDOUT : errno;
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0)
      return errno;
    return error;
  }
}

void set_io_timeouts(int fd, config::Duration timeout) {
  const auto ms = timeout.count() > 0 ? timeout.count() : 1;
  timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

} // namespace

TcpConnection& TcpConnection::operator=(TcpConnection&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

TcpConnection::~TcpConnection() {
  if (fd_ >= 0)
    ::close(fd_);
}

int TcpConnection::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

std::string TcpConnection::peer_address() const {
  sockaddr_storage addr{};
  socklen_t length = sizeof addr;
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &length) != 0)
    return "?";
  return endpoint_text(addr, length);
}

std::string TcpConnection::local_address() const {
  sockaddr_storage addr{};
  socklen_t length = sizeof addr;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length) != 0)
    return "?";
  return numeric_host(reinterpret_cast<const sockaddr*>(&addr), length);
}

std::string host_port_text(const config::HostPort& address) {
  const bool v6 = address.host.find(':') != std::string::npos;
  return (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

std::expected<TcpConnection, std::string> connect_with_timeout(const config::HostPort& address,
                                                               config::Duration timeout) {
  const auto deadline = Clock::now() + timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* raw = nullptr;
  const std::string port = std::to_string(address.port);
  if (const int rc = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &raw); rc != 0)
    return std::unexpected("cannot resolve " + address.host + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, AddrInfoDeleter> results(raw);
  std::string last_error = "no address";
  for (const addrinfo* ai = results.get(); ai != nullptr; ai = ai->ai_next) {
    TcpConnection conn(
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
    if (conn.fd() < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    const int error = connect_one(conn.fd(), *ai, deadline);
    const std::string target = numeric_host(ai->ai_addr, ai->ai_addrlen);
    if (error == 0) {
      ::fcntl(conn.fd(), F_SETFL, ::fcntl(conn.fd(), F_GETFL) & ~O_NONBLOCK);
      set_io_timeouts(conn.fd(), timeout);
      return conn;
    }
    last_error = error == ETIMEDOUT
                     ? target + ": no answer within " + std::to_string(timeout.count()) + " ms"
                     : target + ": " + std::strerror(error);
    if (Clock::now() >= deadline)
      break;
  }
  return std::unexpected(last_error);
}

} // namespace stgw::doctor
