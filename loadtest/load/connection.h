#pragma once

// One client connection, cleartext or TLS, driven by one libevent event on its worker's loop.
// It sends one prepared request at a time and parses just enough of the answer to know the
// status and where it ends.  Failures close the connection and are reported to the owner,
// always from the event loop (never from inside open() or send()), so owners may reopen from
// their callbacks without recursion.

#include <cstdint>
#include <span>
#include <string_view>

#include <openssl/ssl.h>

#include "loadtest/load/response_parser.h"
#include "loadtest/load/schedule.h"
#include "loadtest/load/stats.h"

struct event;

namespace stgw::load {

class Connection;
class Worker;

// Callbacks of a connection's owner (an rps slot, a handshake slot, an awareness user).
class ConnectionOwner {
public:
  // Connected (and TLS handshake done): send() may be called.
  virtual void on_ready(Connection& connection) = 0;
  // The request was written completely (a poll is now parked at the server).
  virtual void on_request_written(Connection&) {}
  // A complete response.  When the server does not keep the connection it is already closed.
  virtual void on_response(Connection& connection, const ResponseInfo& info) = 0;
  // The connection failed and is closed; |kind| says how.
  virtual void on_failure(Connection& connection, ErrorKind kind) = 0;
  // The server closed an idle keep-alive connection (no request outstanding): not an error.
  virtual void on_idle_close(Connection& connection) = 0;

protected:
  ~ConnectionOwner() = default;
};

class Connection {
public:
  enum class Phase {
    Closed,      // no socket
    Connecting,  // TCP connect in progress
    Handshaking, // TLS handshake in progress
    Idle,        // open, no request outstanding
    Sending,     // request partly written
    Waiting,     // request written, no answer yet (a parked poll)
    Receiving,   // part of the answer arrived
    Failing,     // closed; the failure is reported on the next loop turn
  };

  Connection(Worker& worker, ConnectionOwner& owner);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Closed → Connecting.  Ignored in any other phase.
  void open();
  // Idle → Sending/Waiting.  |request| must stay valid until the response; |timeout_ns| bounds
  // the time to a complete response.
  void send(std::string_view request, Nanos timeout_ns);
  // Closes at once without a callback.
  void close();

  Phase phase() const { return phase_; }
  bool is_open() const { return phase_ >= Phase::Idle && phase_ <= Phase::Receiving; }
  bool busy() const { return phase_ >= Phase::Sending && phase_ <= Phase::Receiving; }
  Nanos opened_at() const { return opened_at_; } // when open() was called
  Nanos sent_at() const { return sent_at_; }     // when the current request was sent

  // Called by the worker's sweep: fails the connection when its deadline passed.
  void check_deadline(Nanos now);
  bool deadline_passed(Nanos now) const { return deadline_ != 0 && now >= deadline_; }
  std::size_t sweep_index = 0; // position in the worker's list of open connections

private:
  static void on_event(int fd, short what, void* self) noexcept;
  void handle(short what);
  void on_connected();
  void start_handshake();
  void continue_handshake();
  void on_readable();
  bool deliver(std::string_view data); // false: the connection closed or finished a response
  void on_eof(bool reset);
  void flush(); // writes the rest of the request
  void watch(short events, bool persist);
  void fail(ErrorKind kind);       // from inside the loop: close and report now
  void fail_later(ErrorKind kind); // from open()/send(): close, report on the next loop turn
  void finish_response();
  void release(); // closes socket and TLS, leaves the event unassigned

  Worker& worker_;
  ConnectionOwner& owner_;
  event* event_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  Phase phase_ = Phase::Closed;
  short watching_ = 0;
  bool tracked_ = false;
  bool counted_open_ = false;
  bool tls_write_blocked_read_ = false; // SSL_read asked to wait for writability
  ErrorKind pending_failure_ = ErrorKind::Connect;
  std::string_view request_;
  std::size_t written_ = 0;
  Nanos deadline_ = 0;
  Nanos request_timeout_ = 0;
  Nanos opened_at_ = 0;
  Nanos sent_at_ = 0;
  ResponseParser parser_;
};

} // namespace stgw::load
