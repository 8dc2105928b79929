#pragma once

// One load-generating thread: its own event loop, its share of the users or connections, its
// share of --requests, and its own counters (merged by main after the thread ends).

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "loadtest/load/run_setup.h"
#include "loadtest/load/stats.h"

struct event;
struct event_base;

namespace stgw::load {

class Connection;

// A scenario's unit of load (an rps slot, a handshake slot, an awareness user).
class Client {
public:
  virtual ~Client() = default;
  virtual void start() = 0;
  // The run ended: report what is still open (e.g. parked polls) and close without callbacks.
  virtual void stop() = 0;
};

class Worker {
public:
  Worker(RunSetup& setup, int index, int count);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // The thread body: builds this thread's clients, runs the loop until the end, closes all.
  void run();

  event_base* base() const { return base_; }
  const RunSetup& setup() const { return setup_; }
  RunSetup& shared() { return setup_; }
  std::span<char> scratch() { return scratch_; }
  Tally& tally() { return tally_; }
  LiveCounters& live() { return live_; }
  const LiveCounters& live() const { return live_; }
  PollBook* poll_book() { return poll_book_.get(); }
  int index() const { return index_; }

  // Open connections are swept every 100 ms for passed deadlines.
  void track(Connection& connection);
  void untrack(Connection& connection);

  // This thread's share of --requests: false once it is used up.
  bool take_request();
  // A request taken with take_request() ended (answered or failed).
  void request_done();

  bool finished() const { return finished_.load(std::memory_order_acquire); }
  Nanos finished_at() const { return finished_at_; }

private:
  static void on_sweep(int, short, void* self) noexcept;
  static void on_end(int, short, void* self) noexcept;
  void build_clients();
  void stop_loop();

  RunSetup& setup_;
  int index_;
  int count_;
  event_base* base_ = nullptr;
  event* sweep_ = nullptr;
  event* end_ = nullptr;
  std::vector<char> scratch_;
  std::vector<Connection*> open_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::unique_ptr<PollBook> poll_book_;
  Tally tally_;
  LiveCounters live_;
  std::uint64_t requests_left_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t in_flight_ = 0;
  bool stopping_ = false;
  Nanos finished_at_ = 0;
  std::atomic<bool> finished_{false};
};

} // namespace stgw::load
