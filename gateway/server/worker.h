#pragma once

// A worker: one thread, one libevent loop, its own SO_REUSEPORT listeners and every connection
// they accept. The control thread talks to it only through post(), which queues a task and wakes
// the loop through an eventfd; everything else a worker touches is its own, so the loop runs
// without libevent's locks.

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "gateway/net/handles.h"
#include "gateway/net/listener.h"
#include "gateway/policy/connection_budget.h"
#include "gateway/proxy/worker_context.h"
#include "ssoauth/validation_cache.h"

namespace stgw::server {

class Worker;

// Owns a file descriptor; closes it when destroyed.
class OwnedFd {
public:
  explicit OwnedFd(int fd = -1) : fd_(fd) {}
  ~OwnedFd();
  OwnedFd(OwnedFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  OwnedFd& operator=(OwnedFd&&) = delete;
  int get() const { return fd_; }

private:
  int fd_;
};

// One listening socket of a worker with the listener facts its sessions see.
struct ListenerSlot final : net::ListenerCallbacks {
  Worker* worker = nullptr;
  std::string key; // name + address: a reload keeps the socket when the key is unchanged
  std::shared_ptr<const proxy::ListenerInfo> info;
  std::unique_ptr<net::Listener> listener;
  void on_accept(int fd, const net::SocketAddress& peer) override;
};

class Worker {
public:
  // Opens the listeners of |generation| on a new loop; errors name the address (or say that the
  // loop or its wake-up descriptor could not be made).
  using ObserverFactory = std::function<std::unique_ptr<proxy::ProxyObserver>(event_base*)>;
  static std::expected<std::unique_ptr<Worker>, std::vector<std::string>>
  create(int index, std::shared_ptr<const proxy::SharedGeneration> generation,
         const ObserverFactory& make_observer, policy::ConnectionBudget* budget);
  ~Worker();

  void start();
  void join();
  // Thread-safe (the one call that is): runs |task| on the worker's thread.
  void post(std::function<void()> task);

  // Worker-thread only.
  void accept(const std::shared_ptr<const proxy::ListenerInfo>& listener, int fd,
              const net::SocketAddress& peer);
  // Switches new connections and new requests to |generation|; opens and closes listeners.
  std::vector<std::string> apply(std::shared_ptr<const proxy::SharedGeneration> generation);
  // Stops accepting, lets exchanges finish until |deadline|, then exits the loop.
  void drain(std::chrono::milliseconds deadline);
  // At the global cap: stops accepting and, every 100 ms until resumed, refuses (resets) a
  // bounded batch of the connections waiting in each listener's backlog, counting each as a
  // global_cap rejection. Resuming stops the refusals and accepts again.
  void pause_accepting(bool paused);

  proxy::WorkerContext& context() { return *context_; }
  event_base* base() const { return base_.get(); }

private:
  Worker(int index, net::EventBasePtr base, OwnedFd wakeup_fd, const ObserverFactory& make_observer,
         policy::ConnectionBudget* budget, std::size_t cache_entries);
  std::expected<std::unique_ptr<ListenerSlot>, std::string>
  open_listener(const config::ListenerConfig& config, std::shared_ptr<net::ServerTlsContext> tls);
  static void on_wakeup(evutil_socket_t fd, short, void* arg) noexcept;
  static void on_drain_tick(evutil_socket_t, short, void* arg) noexcept;
  static void on_refuse_tick(evutil_socket_t, short, void* arg) noexcept;
  void run_tasks();
  void refuse_waiting_clients();

  int index_;
  net::EventBasePtr base_;
  std::unique_ptr<proxy::ProxyObserver> observer_;
  policy::ConnectionBudget* budget_;
  std::unique_ptr<ssoauth::ValidationCache> cache_; // this worker's LTPA validation cache
  std::unique_ptr<proxy::WorkerContext> context_;
  std::vector<std::unique_ptr<ListenerSlot>> listeners_;
  OwnedFd wakeup_fd_;    // eventfd: post() writes to it, wakeup_ reads it on the loop
  net::EventPtr wakeup_; // declared after wakeup_fd_: freed before the descriptor is closed
  net::EventPtr drain_tick_;
  net::EventPtr refuse_tick_; // pending while paused at the global cap
  std::chrono::steady_clock::time_point drain_deadline_;
  std::chrono::microseconds busy_poll_{0}; // server.busy_poll_us, see net::IoLoop::run
  std::mutex tasks_mutex_;
  std::deque<std::function<void()>> tasks_;
  std::thread thread_;
};

} // namespace stgw::server
