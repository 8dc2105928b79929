#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "loadtest/stps_sim/options.h"
#include "loadtest/stps_sim/shared_state.h"

struct bufferevent;
struct event;
struct event_base;
struct evhttp;
struct evhttp_connection;
struct evhttp_request;
struct evconnlistener;

namespace stgw::stps_sim {

class Worker;
struct Connection;

// Why a worker could not start; the detail string carries the errno text and the address.
enum class StartErrc {
  EventLoop, // event_base, evhttp or the stop pipe could not be created
  Bind,      // socket/bind/listen failed
};

struct StartError {
  StartErrc code;
  std::string detail;
};

// A response that outlives the request callback (held poll, delayed head, streamed body).
// Owned by its Connection so that a closing connection can cancel it.
class Operation {
public:
  Operation(Worker& worker, evhttp_request* req) : worker_(worker), req_(req) {}
  virtual ~Operation() = default;
  Operation(const Operation&) = delete;
  Operation& operator=(const Operation&) = delete;

  // The connection is going away before the response finished.  libevent hands a request back
  // to us when the client vanished mid-response (it is then detached and ours to free); during
  // shutdown it still belongs to the connection and libevent frees it.
  void on_connection_closed();

  // The connection's buffers are already gone (worker shutdown): drop any pointer into them
  // without touching them.
  virtual void forget_transport() {}

protected:
  Worker& worker_;
  evhttp_request* req_;

private:
  friend class Worker;
  Connection* connection_ = nullptr; // set by Worker::adopt
};

// One accepted client connection, known from accept (see Worker::on_accept) to close.
struct Connection {
  std::uint64_t id = 0;
  evhttp_connection* evcon = nullptr;
  std::unique_ptr<Operation> op;
};

// One event loop with its own evhttp and its own SO_REUSEPORT listeners.  Everything here runs
// on the worker's thread except stop(), which may be called from any thread.
class Worker {
public:
  static std::expected<std::unique_ptr<Worker>, StartError> create(SharedState& shared,
                                                                   std::size_t index);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Binds |address| (SO_REUSEPORT, so every worker can bind the same port) and returns the
  // bound port, which differs from address.port only when that was 0.
  std::expected<std::uint16_t, StartError> listen(const ListenAddress& address);

  void run();
  void stop(); // thread-safe, async-signal-safe

  event_base* base() const { return base_; }
  SharedState& shared() { return shared_; }
  WorkerCounters& counters() { return *shared_.counters[index_]; }
  const Options& options() const { return shared_.options; }
  std::mt19937_64& random() { return random_; }

  // The connection a request arrived on; registers it on the spot if the accept hook missed it.
  Connection& connection_of(evhttp_request* req);

  // Gives |op| to the connection of |req| so that it lives until it finishes or the client goes.
  void adopt(evhttp_request* req, std::unique_ptr<Operation> op);

  // Takes the operation back from its connection; called by an operation just before its final
  // libevent call (which may close and free the connection).
  std::unique_ptr<Operation> release(Operation* op);

  // The shared timeval for the default poll hold, so held polls share one O(1) timer queue.
  const struct timeval* default_hold_timeout() const { return default_hold_; }

private:
  Worker(SharedState& shared, std::size_t index) : shared_(shared), index_(index) {}

  static bufferevent* on_new_bufferevent(event_base* base, void* arg) noexcept;
  static void on_register_pending(int fd, short what, void* arg) noexcept;
  static void on_request(evhttp_request* req, void* arg) noexcept;
  static void on_close(evhttp_connection* evcon, void* arg) noexcept;
  static void on_stop(int fd, short what, void* arg) noexcept;

  bufferevent* make_bufferevent();
  void register_pending();
  Connection& register_connection(evhttp_connection* evcon);
  void forget_connection(evhttp_connection* evcon);
  void shutdown();

  SharedState& shared_;
  std::size_t index_;
  event_base* base_ = nullptr;
  evhttp* http_ = nullptr;
  event* register_event_ = nullptr;
  event* stop_event_ = nullptr;
  int stop_pipe_[2] = {-1, -1};
  const struct timeval* default_hold_ = nullptr;
  std::vector<bufferevent*> pending_accepts_;
  std::unordered_map<evhttp_connection*, std::unique_ptr<Connection>> connections_;
  std::mt19937_64 random_;
};

} // namespace stgw::stps_sim
