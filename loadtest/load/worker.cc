#include "loadtest/load/worker.h"

#include <algorithm>

#include <event2/event.h>

#include "loadtest/load/clients.h"
#include "loadtest/load/connection.h"

namespace stgw::load {
namespace {

constexpr std::size_t kScratchBytes = 64 * 1024;
constexpr timeval kSweepInterval{0, 100'000};

timeval to_timeval(Nanos ns) {
  if (ns < 0)
    ns = 0;
  return timeval{static_cast<time_t>(ns / 1'000'000'000),
                 static_cast<suseconds_t>((ns % 1'000'000'000) / 1000)};
}

event_base* make_base(bool paced) {
  // One thread owns this loop: no locks.  The changelist folds the epoll_ctl calls that a
  // request's read/write interest changes would cost into the next epoll_wait.  When paced,
  // precise timers (a timerfd, not epoll_wait's millisecond timeout): requests then leave when
  // they are due instead of in bursts on millisecond ticks, which would queue at the server and
  // count as its latency.  Closed-loop runs keep the cheaper millisecond timeouts.
  event_config* config = event_config_new();
  event_config_set_flag(config, EVENT_BASE_FLAG_NOLOCK);
  event_config_set_flag(config, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
  if (paced)
    event_config_set_flag(config, EVENT_BASE_FLAG_PRECISE_TIMER);
  event_base* base = event_base_new_with_config(config);
  event_config_free(config);
  return base;
}

} // namespace

Worker::Worker(RunSetup& setup, int index, int count)
    : setup_(setup), index_(index), count_(count), base_(make_base(setup.options.rate > 0)),
      scratch_(kScratchBytes) {
  if (setup_.options.requests > 0)
    requests_left_ = share_of(setup_.options.requests, count_, index_);
}

Worker::~Worker() {
  clients_.clear(); // connections first: they hold events of this base
  if (sweep_ != nullptr)
    event_free(sweep_);
  if (end_ != nullptr)
    event_free(end_);
  if (base_ != nullptr)
    event_base_free(base_);
}

void Worker::run() {
  build_clients();
  sweep_ = event_new(base_, -1, EV_PERSIST, &Worker::on_sweep, this);
  event_add(sweep_, &kSweepInterval);
  end_ = event_new(base_, -1, 0, &Worker::on_end, this);
  timeval until_end = to_timeval(setup_.end - monotonic_now());
  event_add(end_, &until_end);
  for (auto& client : clients_)
    client->start();
  if (requests_left_ == 0)
    stop_loop();
  event_base_dispatch(base_);
  finished_at_ = monotonic_now();
  stopping_ = true;
  // The awareness figures describe the moment the run ended, before everything is closed.
  if (poll_book_) {
    poll_book_->finish();
    tally_.users = poll_book_->users();
    tally_.users_connected = poll_book_->connected_now();
    tally_.users_ever_parked = poll_book_->users_ever_parked();
    tally_.polls_parked_now = poll_book_->parked_now();
    tally_.polls_answered = poll_book_->polls_answered();
  }
  for (auto& client : clients_)
    client->stop();
  clients_.clear();
  finished_.store(true, std::memory_order_release);
}

void Worker::build_clients() {
  const Options& o = setup_.options;
  if (o.scenario == Scenario::Awareness) {
    auto users = static_cast<int>(share_of(static_cast<std::uint64_t>(o.users), count_, index_));
    poll_book_ = std::make_unique<PollBook>(users, setup_.parked, live_);
  }
  clients_ = make_clients(*this, count_);
}

void Worker::track(Connection& connection) {
  connection.sweep_index = open_.size();
  open_.push_back(&connection);
}

void Worker::untrack(Connection& connection) {
  std::size_t i = connection.sweep_index;
  if (i >= open_.size() || open_[i] != &connection)
    return;
  open_[i] = open_.back();
  open_[i]->sweep_index = i;
  open_.pop_back();
}

bool Worker::take_request() {
  if (stopping_ || requests_left_ == 0)
    return false;
  if (requests_left_ != std::numeric_limits<std::uint64_t>::max())
    --requests_left_;
  ++in_flight_;
  return true;
}

void Worker::request_done() {
  if (in_flight_ > 0)
    --in_flight_;
  if (requests_left_ == 0 && in_flight_ == 0)
    stop_loop();
}

void Worker::stop_loop() {
  event_base_loopbreak(base_);
}

void Worker::on_sweep(int, short, void* self) noexcept {
  auto* worker = static_cast<Worker*>(self);
  if (worker->setup_.stop.load(std::memory_order_relaxed)) {
    worker->stop_loop();
    return;
  }
  Nanos now = monotonic_now();
  // Failing a connection changes the list (and an owner may reopen): work on a copy.
  std::vector<Connection*> expired;
  for (Connection* c : worker->open_) {
    if (c->deadline_passed(now))
      expired.push_back(c);
  }
  for (Connection* c : expired)
    c->check_deadline(now);
}

void Worker::on_end(int, short, void* self) noexcept {
  static_cast<Worker*>(self)->stop_loop();
}

} // namespace stgw::load
