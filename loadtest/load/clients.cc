#include "loadtest/load/clients.h"

#include <event2/event.h>

#include "loadtest/load/connection.h"

namespace stgw::load {
namespace {

constexpr Nanos kReconnectPause = 10'000'000; // after a failure in rps/handshake: 10 ms

Nanos to_nanos(Micros us) {
  return static_cast<Nanos>(us.count()) * 1000;
}

// A one-shot libevent timer calling back into its client.
class Timer {
public:
  template <typename T, void (T::*Method)()> static Timer make(event_base* base, T* object) {
    return Timer(
        base, [](int, short, void* self) noexcept { (static_cast<T*>(self)->*Method)(); }, object);
  }
  Timer(Timer&& other) noexcept : event_(other.event_) { other.event_ = nullptr; }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  ~Timer() {
    if (event_ != nullptr)
      event_free(event_);
  }

  void after(Nanos delay) {
    if (delay < 0)
      delay = 0;
    timeval tv{static_cast<time_t>(delay / 1'000'000'000),
               static_cast<suseconds_t>((delay % 1'000'000'000) / 1000)};
    event_add(event_, &tv);
  }
  void at(Nanos when) { after(when - monotonic_now()); }
  void cancel() { event_del(event_); }

private:
  Timer(event_base* base, event_callback_fn fn, void* arg)
      : event_(event_new(base, -1, 0, fn, arg)) {}
  event* event_;
};

// Counts a finished response in the thread's tally.
void count_response(Worker& worker, const ResponseInfo& info, bool with_latency, Nanos latency) {
  Tally& tally = worker.tally();
  tally.count_status(info.status);
  if (info.status >= 400)
    LiveCounters::bump(worker.live().errors);
  if (!with_latency)
    return;
  tally.latency.record(static_cast<std::uint64_t>(latency > 0 ? latency : 0));
  ++tally.requests;
  LiveCounters::bump(worker.live().requests);
}

// One keep-alive connection sending requests back to back, or on a Pacer's schedule.
class RpsClient final : public Client, private ConnectionOwner {
public:
  RpsClient(Worker& worker, std::string request, Pacer pacer, Nanos start_at)
      : worker_(worker), request_(std::move(request)), pacer_(pacer), start_at_(start_at),
        connection_(worker, *this),
        timer_(Timer::make<RpsClient, &RpsClient::on_timer>(worker.base(), this)) {}

  void start() override { timer_.at(start_at_); }
  void stop() override {
    timer_.cancel();
    connection_.close();
  }

private:
  void on_timer() {
    if (connection_.phase() == Connection::Phase::Closed)
      connection_.open();
    else
      send_next();
  }

  void send_next() {
    if (connection_.phase() != Connection::Phase::Idle)
      return;
    if (!has_ticket_) {
      if (!worker_.take_request())
        return;
      has_ticket_ = true;
    }
    if (pacer_.active()) {
      Nanos due = pacer_.due();
      if (due > monotonic_now()) {
        timer_.at(due);
        return;
      }
      planned_ = due;
      pacer_.advance();
    }
    connection_.send(request_, timeout_);
  }

  void on_ready(Connection&) override { send_next(); }

  void on_response(Connection& c, const ResponseInfo& info) override {
    Nanos now = monotonic_now();
    count_response(worker_, info, true, now - (pacer_.active() ? planned_ : c.sent_at()));
    end_ticket();
    if (c.phase() == Connection::Phase::Closed)
      c.open();
    else
      send_next();
  }

  void on_failure(Connection&, ErrorKind) override {
    end_ticket();
    timer_.after(kReconnectPause);
  }

  void on_idle_close(Connection& c) override { c.open(); }

  void end_ticket() {
    if (has_ticket_) {
      has_ticket_ = false;
      worker_.request_done();
    }
  }

  Worker& worker_;
  std::string request_;
  Pacer pacer_;
  Nanos start_at_;
  Nanos planned_ = 0;
  Nanos timeout_ = to_nanos(worker_.setup().options.timeout);
  bool has_ticket_ = false;
  Connection connection_;
  Timer timer_;
};

// A new connection (and TLS handshake) for every request; latency counts from the connect.
class HandshakeClient final : public Client, private ConnectionOwner {
public:
  HandshakeClient(Worker& worker, std::string request, Nanos start_at)
      : worker_(worker), request_(std::move(request)), start_at_(start_at),
        connection_(worker, *this),
        timer_(Timer::make<HandshakeClient, &HandshakeClient::begin>(worker.base(), this)) {}

  void start() override { timer_.at(start_at_); }
  void stop() override {
    timer_.cancel();
    connection_.close();
  }

private:
  void begin() {
    if (!worker_.take_request())
      return;
    has_ticket_ = true;
    connection_.open();
  }

  void on_ready(Connection& c) override { c.send(request_, timeout_); }

  void on_response(Connection& c, const ResponseInfo& info) override {
    count_response(worker_, info, true, monotonic_now() - c.opened_at());
    c.close();
    end_ticket();
    begin();
  }

  void on_failure(Connection&, ErrorKind) override {
    end_ticket();
    timer_.after(kReconnectPause);
  }

  // The request goes out as soon as the connection is ready, so an idle close means the server
  // dropped it first: count it and start over.
  void on_idle_close(Connection& c) override { on_failure(c, ErrorKind::Closed); }

  void end_ticket() {
    if (has_ticket_) {
      has_ticket_ = false;
      worker_.request_done();
    }
  }

  Worker& worker_;
  std::string request_;
  Nanos start_at_;
  Nanos timeout_ = to_nanos(worker_.setup().options.timeout);
  bool has_ticket_ = false;
  Connection connection_;
  Timer timer_;
};

// A Sametime web user: one long poll always parked on its own connection, re-issued when
// answered, and presence look-ups on a second connection at a fixed rate.
class AwarenessUser final : public Client, private ConnectionOwner {
public:
  AwarenessUser(Worker& worker, int local, std::string poll_request, std::string presence_request,
                Pacer presence_pacer, Nanos start_at)
      : worker_(worker), book_(*worker.poll_book()), local_(local),
        poll_request_(std::move(poll_request)), presence_request_(std::move(presence_request)),
        pacer_(presence_pacer), start_at_(start_at), poll_(worker, *this), presence_(worker, *this),
        poll_timer_(Timer::make<AwarenessUser, &AwarenessUser::on_poll_timer>(worker.base(), this)),
        presence_timer_(
            Timer::make<AwarenessUser, &AwarenessUser::on_presence_due>(worker.base(), this)) {}

  void start() override {
    poll_timer_.at(start_at_);
    if (pacer_.active())
      presence_timer_.at(std::max(pacer_.due(), start_at_));
  }

  void stop() override {
    poll_timer_.cancel();
    presence_timer_.cancel();
    poll_.close();
    presence_.close();
  }

private:
  const Options& options() const { return worker_.setup().options; }

  void on_poll_timer() {
    if (poll_.phase() == Connection::Phase::Closed)
      poll_.open();
    else
      send_poll();
  }

  void send_poll() {
    if (poll_.phase() != Connection::Phase::Idle || poll_ticket_ || !worker_.take_request())
      return;
    poll_ticket_ = true;
    poll_.send(poll_request_, to_nanos(options().poll_timeout));
  }

  void on_presence_due() {
    // Keep the schedule even when the previous look-up is still out: one waits, none pile up.
    while (pacer_.due() <= monotonic_now())
      pacer_.advance();
    presence_timer_.at(pacer_.due());
    if (presence_.busy() || presence_ticket_) {
      presence_pending_ = true;
      return;
    }
    if (presence_.phase() == Connection::Phase::Closed) {
      presence_pending_ = true;
      presence_.open();
      return;
    }
    send_presence();
  }

  void send_presence() {
    presence_pending_ = false;
    if (presence_.phase() != Connection::Phase::Idle || !worker_.take_request())
      return;
    presence_ticket_ = true;
    presence_.send(presence_request_, to_nanos(options().timeout));
  }

  void on_ready(Connection& c) override {
    if (&c == &poll_) {
      book_.connected(local_);
      send_poll();
    } else if (presence_pending_) {
      send_presence();
    }
  }

  void on_request_written(Connection& c) override {
    if (&c == &poll_)
      book_.parked(local_);
  }

  void on_response(Connection& c, const ResponseInfo& info) override {
    if (&c == &poll_) {
      on_poll_answer(info);
      return;
    }
    count_response(worker_, info, true, monotonic_now() - c.sent_at());
    end_ticket(presence_ticket_);
    if (presence_pending_ && c.phase() == Connection::Phase::Idle)
      send_presence();
  }

  void on_poll_answer(const ResponseInfo& info) {
    book_.answered(local_, info.status < 400);
    count_response(worker_, info, false, 0);
    end_ticket(poll_ticket_);
    bool ok = info.status < 400;
    if (poll_.phase() == Connection::Phase::Closed) {
      book_.disconnected(local_);
      if (ok)
        poll_.open();
      else
        poll_timer_.after(to_nanos(options().retry_delay));
    } else if (ok) {
      send_poll();
    } else {
      // A refused poll (401, 503...) is retried the way a browser would: after a pause.
      poll_timer_.after(to_nanos(options().retry_delay));
    }
  }

  void on_failure(Connection& c, ErrorKind) override {
    if (&c == &poll_) {
      book_.disconnected(local_);
      end_ticket(poll_ticket_);
      poll_timer_.after(to_nanos(options().retry_delay));
    } else {
      end_ticket(presence_ticket_); // the next due look-up reconnects
    }
  }

  void on_idle_close(Connection& c) override {
    if (&c == &poll_) {
      book_.disconnected(local_);
      poll_.open();
    }
  }

  void end_ticket(bool& ticket) {
    if (ticket) {
      ticket = false;
      worker_.request_done();
    }
  }

  Worker& worker_;
  PollBook& book_;
  int local_;
  std::string poll_request_;
  std::string presence_request_;
  Pacer pacer_;
  Nanos start_at_;
  bool poll_ticket_ = false;
  bool presence_ticket_ = false;
  bool presence_pending_ = false;
  Connection poll_;
  Connection presence_;
  Timer poll_timer_;
  Timer presence_timer_;
};

} // namespace

std::string user_name(std::string_view prefix, std::uint64_t index) {
  return std::string(prefix) + std::to_string(index + 1);
}

std::vector<std::unique_ptr<Client>> make_clients(Worker& worker, int threads) {
  const RunSetup& setup = worker.setup();
  const Options& o = setup.options;
  Nanos ramp = to_nanos(o.ramp);
  std::vector<std::unique_ptr<Client>> clients;
  bool awareness = o.scenario == Scenario::Awareness;
  auto total = static_cast<std::uint64_t>(awareness ? o.users : o.connections);
  int count = static_cast<int>(share_of(total, threads, worker.index()));
  std::uint64_t first = first_of(total, threads, worker.index());
  clients.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    std::uint64_t global = first + static_cast<std::uint64_t>(i);
    int slot = static_cast<int>(global);
    Nanos start_at = setup.start + ramp_offset(ramp, slot, static_cast<int>(total));
    const std::string& cookie = setup.cookie_for(global);
    switch (o.scenario) {
      case Scenario::Rps: {
        Pacer pacer = o.rate > 0 ? Pacer(start_at, o.rate / static_cast<double>(total), slot,
                                         static_cast<int>(total))
                                 : Pacer();
        clients.push_back(std::make_unique<RpsClient>(worker, build_request(o, o.target(), cookie),
                                                      pacer, start_at));
        break;
      }
      case Scenario::Handshake:
        clients.push_back(std::make_unique<HandshakeClient>(
            worker, build_request(o, o.target(), cookie), start_at));
        break;
      case Scenario::Awareness: {
        // Each user asks for another user's status, as a buddy list would.
        std::string target =
            o.presence_path + "?user=" + user_name(o.user_prefix, (global + 1) % total);
        Pacer pacer = o.rate > 0 ? Pacer(start_at, o.rate, slot, static_cast<int>(total)) : Pacer();
        clients.push_back(
            std::make_unique<AwarenessUser>(worker, i, build_request(o, o.poll_path, cookie),
                                            build_request(o, target, cookie), pacer, start_at));
        break;
      }
    }
  }
  return clients;
}

} // namespace stgw::load
