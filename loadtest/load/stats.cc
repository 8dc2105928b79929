#include "loadtest/load/stats.h"

namespace stgw::load {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Connect:
      return "connect";
    case ErrorKind::ConnectTimeout:
      return "connect_timeout";
    case ErrorKind::Local:
      return "local";
    case ErrorKind::Tls:
      return "tls";
    case ErrorKind::TlsTimeout:
      return "tls_timeout";
    case ErrorKind::TlsClosed:
      return "tls_closed";
    case ErrorKind::Timeout:
      return "timeout";
    case ErrorKind::Reset:
      return "reset";
    case ErrorKind::Closed:
      return "closed";
    case ErrorKind::Parse:
      return "parse";
  }
  return "?";
}

void SharedGauge::add(std::int64_t n) {
  std::int64_t value = now_.fetch_add(n, std::memory_order_relaxed) + n;
  std::int64_t seen = max_.load(std::memory_order_relaxed);
  while (value > seen && !max_.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

PollBook::PollBook(int users, SharedGauge& parked, LiveCounters& live)
    : state_(static_cast<std::size_t>(users)), gauge_(parked), live_(live) {}

void PollBook::connected(int user) {
  UserState& s = state_.at(static_cast<std::size_t>(user));
  if (s.connected)
    return;
  s.connected = true;
  ++connected_;
  LiveCounters::add(live_.users_connected, 1);
}

void PollBook::disconnected(int user) {
  UserState& s = state_.at(static_cast<std::size_t>(user));
  unpark(s);
  if (!s.connected)
    return;
  s.connected = false;
  --connected_;
  LiveCounters::add(live_.users_connected, -1);
}

void PollBook::parked(int user) {
  UserState& s = state_.at(static_cast<std::size_t>(user));
  if (s.parked)
    return;
  s.parked = true;
  ++parked_;
  gauge_.add(1);
}

void PollBook::answered(int user, bool success) {
  UserState& s = state_.at(static_cast<std::size_t>(user));
  if (s.parked && success)
    mark_parked(s);
  unpark(s);
  ++answered_;
  LiveCounters::bump(live_.polls_answered);
}

void PollBook::finish() {
  for (auto& s : state_) {
    if (s.parked)
      mark_parked(s);
  }
}

void PollBook::mark_parked(UserState& s) {
  if (!s.ever_parked) {
    s.ever_parked = true;
    ++ever_parked_;
  }
}

void PollBook::unpark(UserState& s) {
  if (!s.parked)
    return;
  s.parked = false;
  --parked_;
  gauge_.add(-1);
}

void Tally::count_status(int status) {
  if (status >= 0 && status < static_cast<int>(statuses.size()))
    ++statuses[static_cast<std::size_t>(status)];
}

std::uint64_t Tally::status_errors() const {
  std::uint64_t n = 0;
  for (std::size_t s = 400; s < statuses.size(); ++s)
    n += statuses[s];
  return n;
}

std::uint64_t Tally::total_errors() const {
  std::uint64_t n = status_errors();
  for (auto e : errors)
    n += e;
  return n;
}

void Tally::merge(const Tally& other) {
  latency.merge(other.latency);
  requests += other.requests;
  bytes_received += other.bytes_received;
  connections_opened += other.connections_opened;
  tls_handshakes += other.tls_handshakes;
  for (std::size_t i = 0; i < errors.size(); ++i)
    errors[i] += other.errors[i];
  for (std::size_t i = 0; i < statuses.size(); ++i)
    statuses[i] += other.statuses[i];
  users += other.users;
  users_connected += other.users_connected;
  users_ever_parked += other.users_ever_parked;
  polls_parked_now += other.polls_parked_now;
  polls_answered += other.polls_answered;
}

} // namespace stgw::load
