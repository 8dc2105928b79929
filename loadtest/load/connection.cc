#include "loadtest/load/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "loadtest/load/worker.h"

namespace stgw::load {
namespace {

constexpr Nanos kNanosPerMicro = 1000;

bool is_local_connect_error(int error) {
  // No local port or buffer left, or the descriptor table is full: our side, not the server.
  return error == EADDRNOTAVAIL || error == ENOBUFS || error == EAGAIN || error == EMFILE ||
         error == ENFILE || error == ENOMEM;
}

// Unexpected EOF inside TLS records is reported as an SSL error in OpenSSL 3 unless
// SSL_OP_IGNORE_UNEXPECTED_EOF is set; count it as the peer closing either way.
bool is_eof_error() {
  unsigned long e = ERR_peek_error();
  return e != 0 && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

} // namespace

Connection::Connection(Worker& worker, ConnectionOwner& owner) : worker_(worker), owner_(owner) {
  event_ = event_new(worker_.base(), -1, 0, &Connection::on_event, this);
}

Connection::~Connection() {
  release();
  if (event_ != nullptr)
    event_free(event_);
}

void Connection::on_event(int, short what, void* self) noexcept {
  static_cast<Connection*>(self)->handle(what);
}

void Connection::watch(short events, bool persist) {
  short wanted = static_cast<short>(events | (persist ? EV_PERSIST : 0));
  if (wanted == watching_)
    return;
  if (watching_ != 0)
    event_del(event_);
  event_assign(event_, worker_.base(), fd_, wanted, &Connection::on_event, this);
  event_add(event_, nullptr);
  watching_ = wanted;
}

void Connection::open() {
  if (phase_ != Phase::Closed)
    return;
  const RunSetup& setup = worker_.setup();
  opened_at_ = monotonic_now();
  fd_ = ::socket(setup.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    fail_later(ErrorKind::Local);
    return;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  worker_.track(*this);
  tracked_ = true;
  deadline_ = opened_at_ + setup.options.connect_timeout.count() * kNanosPerMicro;
  int r = ::connect(fd_, reinterpret_cast<const sockaddr*>(&setup.address), setup.address_length);
  if (r != 0 && errno != EINPROGRESS) {
    fail_later(is_local_connect_error(errno) ? ErrorKind::Local : ErrorKind::Connect);
    return;
  }
  // Even an immediate success is reported from the loop, through writability.
  phase_ = Phase::Connecting;
  watch(EV_WRITE, false);
}

void Connection::send(std::string_view request, Nanos timeout_ns) {
  if (phase_ != Phase::Idle)
    return;
  request_ = request;
  written_ = 0;
  sent_at_ = monotonic_now();
  request_timeout_ = timeout_ns;
  deadline_ = sent_at_ + timeout_ns;
  parser_.reset();
  phase_ = Phase::Sending;
  flush();
}

void Connection::close() {
  release();
  phase_ = Phase::Closed;
}

void Connection::check_deadline(Nanos now) {
  if (deadline_ == 0 || now < deadline_)
    return;
  switch (phase_) {
    case Phase::Connecting:
      fail(ErrorKind::ConnectTimeout);
      break;
    case Phase::Handshaking:
      fail(ErrorKind::TlsTimeout);
      break;
    case Phase::Sending:
    case Phase::Waiting:
    case Phase::Receiving:
      fail(ErrorKind::Timeout);
      break;
    default:
      deadline_ = 0;
      break;
  }
}

void Connection::handle(short what) {
  if ((watching_ & EV_PERSIST) == 0)
    watching_ = 0; // a one-shot event is no longer pending once it fired
  switch (phase_) {
    case Phase::Connecting:
      if ((what & EV_WRITE) != 0) {
        int error = 0;
        socklen_t length = sizeof(error);
        ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0) {
          fail(error == ETIMEDOUT ? ErrorKind::ConnectTimeout : ErrorKind::Connect);
          return;
        }
        on_connected();
      }
      return;
    case Phase::Handshaking:
      continue_handshake();
      return;
    case Phase::Failing: {
      phase_ = Phase::Closed;
      worker_.tally().count_error(pending_failure_);
      LiveCounters::bump(worker_.live().errors);
      owner_.on_failure(*this, pending_failure_);
      return;
    }
    case Phase::Closed:
      return;
    default:
      break;
  }
  if (phase_ == Phase::Sending) {
    flush();
    if (!is_open())
      return;
  }
  if ((what & EV_READ) != 0 || tls_write_blocked_read_)
    on_readable();
}

void Connection::on_connected() {
  ++worker_.tally().connections_opened;
  LiveCounters::add(worker_.live().open_connections, 1);
  counted_open_ = true;
  if (worker_.setup().tls != nullptr) {
    start_handshake();
    return;
  }
  phase_ = Phase::Idle;
  deadline_ = 0;
  watch(EV_READ, true);
  owner_.on_ready(*this);
}

void Connection::start_handshake() {
  const RunSetup& setup = worker_.setup();
  ssl_ = SSL_new(setup.tls);
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) {
    fail(ErrorKind::Local);
    return;
  }
  const std::string& name =
      setup.options.server_name.empty() ? setup.options.url.host : setup.options.server_name;
  in6_addr scratch{};
  bool numeric = inet_pton(AF_INET, name.c_str(), &scratch) == 1 ||
                 inet_pton(AF_INET6, name.c_str(), &scratch) == 1;
  if (!numeric)
    SSL_set_tlsext_host_name(ssl_, name.c_str());
  if (!setup.options.insecure) {
    if (numeric)
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), name.c_str());
    else
      SSL_set1_host(ssl_, name.c_str());
  }
  SSL_set_connect_state(ssl_);
  phase_ = Phase::Handshaking;
  deadline_ = monotonic_now() + setup.options.connect_timeout.count() * kNanosPerMicro;
  continue_handshake();
}

void Connection::continue_handshake() {
  ERR_clear_error();
  int r = SSL_do_handshake(ssl_);
  if (r == 1) {
    ++worker_.tally().tls_handshakes;
    phase_ = Phase::Idle;
    deadline_ = 0;
    watch(EV_READ, true);
    owner_.on_ready(*this);
    return;
  }
  int error = SSL_get_error(ssl_, r);
  if (error == SSL_ERROR_WANT_READ) {
    watch(EV_READ, false);
  } else if (error == SSL_ERROR_WANT_WRITE) {
    watch(EV_WRITE, false);
  } else if (error == SSL_ERROR_ZERO_RETURN || (error == SSL_ERROR_SYSCALL) ||
             (error == SSL_ERROR_SSL && is_eof_error())) {
    fail(ErrorKind::TlsClosed);
  } else {
    fail(ErrorKind::Tls);
  }
  ERR_clear_error();
}

void Connection::flush() {
  while (written_ < request_.size()) {
    const char* data = request_.data() + written_;
    std::size_t left = request_.size() - written_;
    if (ssl_ != nullptr) {
      ERR_clear_error();
      int r = SSL_write(ssl_, data, static_cast<int>(left));
      if (r > 0) {
        written_ += static_cast<std::size_t>(r);
        continue;
      }
      int error = SSL_get_error(ssl_, r);
      if (error == SSL_ERROR_WANT_WRITE) {
        watch(EV_READ | EV_WRITE, true);
        return;
      }
      if (error == SSL_ERROR_WANT_READ)
        return; // the read event is on; handle() retries the write first
      ERR_clear_error();
      fail_later(ErrorKind::Reset);
      return;
    }
    ssize_t n = ::send(fd_, data, left, MSG_NOSIGNAL);
    if (n > 0) {
      written_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      watch(EV_READ | EV_WRITE, true);
      return;
    }
    fail_later(ErrorKind::Reset);
    return;
  }
  if (phase_ != Phase::Sending)
    return;
  phase_ = parser_.started() ? Phase::Receiving : Phase::Waiting;
  watch(EV_READ, true);
  if (phase_ == Phase::Waiting)
    owner_.on_request_written(*this);
}

void Connection::on_readable() {
  if (tls_write_blocked_read_) {
    tls_write_blocked_read_ = false;
    watch(EV_READ, true);
  }
  std::span<char> buffer = worker_.scratch();
  for (;;) {
    std::size_t n = 0;
    if (ssl_ != nullptr) {
      ERR_clear_error();
      int r = SSL_read(ssl_, buffer.data(), static_cast<int>(buffer.size()));
      if (r <= 0) {
        int error = SSL_get_error(ssl_, r);
        if (error == SSL_ERROR_WANT_READ)
          return;
        if (error == SSL_ERROR_WANT_WRITE) {
          tls_write_blocked_read_ = true;
          watch(EV_READ | EV_WRITE, true);
          return;
        }
        bool reset = error == SSL_ERROR_SYSCALL && errno != 0;
        bool eof = error == SSL_ERROR_ZERO_RETURN || (error == SSL_ERROR_SYSCALL && !reset) ||
                   (error == SSL_ERROR_SSL && is_eof_error());
        ERR_clear_error();
        on_eof(!eof);
        return;
      }
      n = static_cast<std::size_t>(r);
    } else {
      ssize_t r = ::recv(fd_, buffer.data(), buffer.size(), 0);
      if (r == 0) {
        on_eof(false);
        return;
      }
      if (r < 0) {
        if (errno == EINTR)
          continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
          return;
        on_eof(true);
        return;
      }
      n = static_cast<std::size_t>(r);
    }
    worker_.tally().bytes_received += n;
    if (!deliver(std::string_view(buffer.data(), n)))
      return;
    // Cleartext: a short read drained the socket (epoll is level-triggered if not).  TLS must
    // read on, since decrypted bytes may wait inside OpenSSL where epoll cannot see them.
    if (ssl_ == nullptr && n < buffer.size())
      return;
  }
}

bool Connection::deliver(std::string_view data) {
  if (phase_ == Phase::Idle) {
    fail(ErrorKind::Parse); // bytes nobody asked for
    return false;
  }
  if (phase_ == Phase::Waiting)
    phase_ = Phase::Receiving;
  std::size_t used = parser_.feed(data);
  if (parser_.state() == ResponseParser::State::Error) {
    fail(ErrorKind::Parse);
    return false;
  }
  if (parser_.state() == ResponseParser::State::Complete) {
    if (used < data.size()) {
      fail(ErrorKind::Parse); // more than the one response we asked for
      return false;
    }
    finish_response();
    return false;
  }
  return true;
}

void Connection::on_eof(bool reset) {
  if (phase_ == Phase::Idle) {
    release();
    phase_ = Phase::Closed;
    owner_.on_idle_close(*this);
    return;
  }
  if (!reset && parser_.on_eof() == ResponseParser::State::Complete) {
    finish_response();
    return;
  }
  fail(reset ? ErrorKind::Reset : ErrorKind::Closed);
}

void Connection::finish_response() {
  ResponseInfo info = parser_.info();
  bool keep = info.keep_alive && phase_ != Phase::Sending &&
              parser_.state() == ResponseParser::State::Complete && fd_ >= 0;
  parser_.reset();
  deadline_ = 0;
  request_ = {};
  if (keep) {
    phase_ = Phase::Idle;
  } else {
    info.keep_alive = false;
    release();
    phase_ = Phase::Closed;
  }
  owner_.on_response(*this, info);
}

void Connection::fail(ErrorKind kind) {
  release();
  phase_ = Phase::Closed;
  worker_.tally().count_error(kind);
  LiveCounters::bump(worker_.live().errors);
  owner_.on_failure(*this, kind);
}

void Connection::fail_later(ErrorKind kind) {
  release();
  phase_ = Phase::Failing;
  pending_failure_ = kind;
  event_assign(event_, worker_.base(), -1, 0, &Connection::on_event, this);
  timeval now{0, 0};
  event_add(event_, &now);
  watching_ = EV_TIMEOUT;
}

void Connection::release() {
  if (watching_ != 0 && event_ != nullptr)
    event_del(event_);
  watching_ = 0;
  if (ssl_ != nullptr) {
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (tracked_) {
    worker_.untrack(*this);
    tracked_ = false;
  }
  if (counted_open_) {
    LiveCounters::add(worker_.live().open_connections, -1);
    counted_open_ = false;
  }
  parser_.reset();
  deadline_ = 0;
  tls_write_blocked_read_ = false;
}

} // namespace stgw::load
