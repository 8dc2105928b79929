#pragma once

// What one worker thread counts: latencies, statuses, errors by kind and the awareness users'
// poll bookkeeping.  The owner thread writes; the main thread reads the Live gauges once a
// second for progress and merges the rest after the threads have ended.

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

#include "loadtest/load/histogram.h"

namespace stgw::load {

// Why a request or connection failed.  Statuses >= 400 are counted apart, by code.
enum class ErrorKind : std::uint8_t {
  Connect,        // TCP connect refused or unreachable
  ConnectTimeout, // TCP connect did not finish within --connect-timeout
  Local,          // this process could not open a socket (descriptor limit, no local port)
  Tls,            // TLS handshake failed (alert, certificate, protocol)
  TlsTimeout,     // TLS handshake did not finish within --connect-timeout
  TlsClosed,      // the server closed or reset the connection during the TLS handshake
  Timeout,        // no complete response within --timeout (--poll-timeout for polls)
  Reset,          // connection reset while a request was outstanding
  Closed,         // the server closed the connection before the response was complete
  Parse,          // the response was not HTTP/1.1 as expected
};
inline constexpr int kErrorKinds = 10;

// "connect", "connect_timeout", "local", "tls", "tls_timeout", "tls_closed", "timeout",
// "reset", "closed", "parse".
std::string_view to_string(ErrorKind kind);

// Bumped by the owner thread only, read by the main thread: relaxed atomics, single writer.
struct LiveCounters {
  std::atomic<std::uint64_t> requests{0}; // completed responses (polls excluded)
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::int64_t> open_connections{0};
  std::atomic<std::int64_t> users_connected{0};
  std::atomic<std::uint64_t> polls_answered{0};

  static void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  static void add(std::atomic<std::int64_t>& c, std::int64_t n) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

// A gauge shared by all threads (parked polls now, and the most seen at once).
class SharedGauge {
public:
  void add(std::int64_t n);
  std::int64_t now() const { return now_.load(std::memory_order_relaxed); }
  std::int64_t max() const { return max_.load(std::memory_order_relaxed); }

private:
  std::atomic<std::int64_t> now_{0};
  std::atomic<std::int64_t> max_{0};
};

// The poll side of awareness users: which users have a poll connection and a parked poll.
// A poll is parked from the moment its request was written completely until its answer (or
// the connection's end).  A user counts as "ever parked" once one of its polls was either
// answered with a success status (< 400) or still parked when the run ended: a poll refused at
// once (401, 503) was never parked at the backend.  Each transition is idempotent so that an
// error path may report what another already did.
class PollBook {
public:
  PollBook(int users, SharedGauge& parked, LiveCounters& live);

  void connected(int user);              // the poll connection is open (and TLS done)
  void disconnected(int user);           // it closed or failed; a parked poll on it is lost
  void parked(int user);                 // a poll request was written
  void answered(int user, bool success); // its response completed; success: status < 400
  void finish();                         // the run ended: polls still parked make their users count

  int users() const { return static_cast<int>(state_.size()); }
  int connected_now() const { return connected_; }
  int parked_now() const { return parked_; }
  int users_ever_parked() const { return ever_parked_; } // see the class comment
  std::uint64_t polls_answered() const { return answered_; }

private:
  struct UserState {
    bool connected = false;
    bool parked = false;
    bool ever_parked = false;
  };
  void unpark(UserState& s);
  void mark_parked(UserState& s);

  std::vector<UserState> state_;
  SharedGauge& gauge_;
  LiveCounters& live_;
  int connected_ = 0;
  int parked_ = 0;
  int ever_parked_ = 0;
  std::uint64_t answered_ = 0;
};

// Everything a thread reports at the end; merge() sums threads.
struct Tally {
  LatencyHistogram latency; // request latency in ns (polls excluded)
  std::uint64_t requests = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t connections_opened = 0; // TCP connects that succeeded
  std::uint64_t tls_handshakes = 0;
  std::array<std::uint64_t, kErrorKinds> errors{};
  std::array<std::uint64_t, 600> statuses{};
  // awareness
  int users = 0;
  int users_connected = 0;
  int users_ever_parked = 0;
  int polls_parked_now = 0;
  std::uint64_t polls_answered = 0;

  void count_error(ErrorKind kind) { ++errors[static_cast<std::size_t>(kind)]; }
  void count_status(int status);
  // Failed statuses (>= 400) count as errors too.
  std::uint64_t status_errors() const;
  std::uint64_t total_errors() const;
  void merge(const Tally& other);
};

} // namespace stgw::load
