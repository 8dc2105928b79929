#include "loadtest/stps_sim/operations.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <fmt/format.h>

#include <array>
#include <memory>

#include "loadtest/stps_sim/response.h"
#include "loadtest/stps_sim/worker.h"

namespace stgw::stps_sim {
namespace {

constexpr std::size_t kStepBytes = 256 * 1024;

// kStepBytes of pattern starting at every phase: a slice [phase, phase + n) is always the body
// from an offset with offset % pattern size == phase.
const char* pattern_at(std::uint64_t offset) {
  static const auto buffer = [] {
    auto b = std::make_unique<std::array<char, kStepBytes + kDownloadPattern.size()>>();
    for (std::size_t i = 0; i < b->size(); ++i)
      (*b)[i] = kDownloadPattern[i % kDownloadPattern.size()];
    return b;
  }();
  return buffer->data() + offset % kDownloadPattern.size();
}

// Appends |n| pattern bytes for body offset |offset| to |buf| by reference (no copy).
void add_pattern(evbuffer* buf, std::uint64_t offset, std::uint64_t n) {
  while (n > 0) {
    std::size_t step = n < kStepBytes ? static_cast<std::size_t>(n) : kStepBytes;
    evbuffer_add_reference(buf, pattern_at(offset), step, nullptr, nullptr);
    offset += step;
    n -= step;
  }
}

timeval to_timeval(std::chrono::microseconds d) {
  auto us = d.count();
  return timeval{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
}

void set_header(evhttp_request* req, const char* name, const std::string& value) {
  evhttp_add_header(evhttp_request_get_output_headers(req), name, value.c_str());
}

class TimedReply final : public Operation {
public:
  TimedReply(Worker& worker, evhttp_request* req, std::string body, bool is_poll)
      : Operation(worker, req), body_(std::move(body)), is_poll_(is_poll) {
    timer_ = evtimer_new(worker.base(), &TimedReply::on_timer, this);
    if (is_poll_)
      worker.counters().held_polls.fetch_add(1, std::memory_order_relaxed);
  }
  ~TimedReply() override {
    if (timer_ != nullptr)
      event_free(timer_);
    if (is_poll_)
      worker_.counters().held_polls.fetch_sub(1, std::memory_order_relaxed);
  }

  bool arm(std::chrono::microseconds hold) {
    if (timer_ == nullptr)
      return false;
    timeval tv = to_timeval(hold);
    const timeval* when = &tv;
    const timeval* common = worker_.default_hold_timeout();
    if (is_poll_ && common != nullptr && hold == worker_.options().poll_hold)
      when = common;
    return evtimer_add(timer_, when) == 0;
  }

private:
  static void on_timer(evutil_socket_t, short, void* arg) noexcept {
    auto* self = static_cast<TimedReply*>(arg);
    auto owned = self->worker_.release(self);
    reply(self->worker_, self->req_, 200, kJson, self->body_);
  }

  event* timer_ = nullptr;
  std::string body_;
  bool is_poll_;
};

class Download final : public Operation {
public:
  Download(Worker& worker, evhttp_request* req, std::uint64_t total)
      : Operation(worker, req), total_(total), piece_(evbuffer_new()) {}
  ~Download() override {
    if (piece_ != nullptr)
      evbuffer_free(piece_);
  }

  bool begin() {
    if (piece_ == nullptr)
      return false;
    set_header(req_, "Content-Type", "application/octet-stream");
    set_header(req_, "Content-Length", fmt::format("{}", total_));
    add_common_headers(worker_, req_);
    evhttp_send_reply_start(req_, 200, "OK");
    send_next();
    return true;
  }

private:
  static void on_drained(evhttp_connection*, void* arg) noexcept {
    static_cast<Download*>(arg)->send_next();
  }

  void send_next() {
    if (sent_ == total_) {
      auto owned = worker_.release(this);
      evhttp_send_reply_end(req_);
      return;
    }
    std::uint64_t step = std::min<std::uint64_t>(kStepBytes, total_ - sent_);
    add_pattern(piece_, sent_, step);
    sent_ += step;
    // The callback runs when the connection's output has drained, so at most one step is queued.
    evhttp_send_reply_chunk_with_cb(req_, piece_, &Download::on_drained, this);
  }

  std::uint64_t total_;
  std::uint64_t sent_ = 0;
  evbuffer* piece_;
};

class Stream final : public Operation {
public:
  Stream(Worker& worker, evhttp_request* req, std::uint64_t chunks, std::chrono::microseconds gap)
      : Operation(worker, req), chunks_(chunks), gap_(to_timeval(gap)), piece_(evbuffer_new()) {
    timer_ = evtimer_new(worker.base(), &Stream::on_timer, this);
  }
  ~Stream() override {
    if (timer_ != nullptr)
      event_free(timer_);
    if (piece_ != nullptr)
      evbuffer_free(piece_);
  }

  bool ready() const { return timer_ != nullptr && piece_ != nullptr; }

  void begin() {
    set_header(req_, "Content-Type", "text/plain; charset=UTF-8");
    add_common_headers(worker_, req_);
    evhttp_send_reply_start(req_, 200, "OK");
    send_next();
  }

private:
  static void on_timer(evutil_socket_t, short, void* arg) noexcept {
    static_cast<Stream*>(arg)->send_next();
  }

  void send_next() {
    ++sent_;
    std::string text = fmt::format("chunk {} of {}\n", sent_, chunks_);
    evbuffer_add(piece_, text.data(), text.size());
    evhttp_send_reply_chunk(req_, piece_);
    if (sent_ < chunks_) {
      evtimer_add(timer_, &gap_);
      return;
    }
    auto owned = worker_.release(this);
    evhttp_send_reply_end(req_);
  }

  std::uint64_t chunks_;
  std::uint64_t sent_ = 0;
  timeval gap_;
  event* timer_ = nullptr;
  evbuffer* piece_;
};

// Watches the connection's output buffer and closes the connection once it is empty.  evhttp has
// no "headers written" callback, and /abort?after=0 sends no body, so the buffer itself is
// watched; the close runs from a separate event so that it never frees the bufferevent from
// inside its own write path.
class Abort final : public Operation {
public:
  Abort(Worker& worker, evhttp_request* req, std::uint64_t after)
      : Operation(worker, req), after_(after) {
    close_event_ = event_new(worker.base(), -1, 0, &Abort::on_close_event, this);
  }
  ~Abort() override {
    if (watch_ != nullptr)
      evbuffer_remove_cb_entry(output_, watch_);
    if (close_event_ != nullptr)
      event_free(close_event_);
  }

  void forget_transport() override { watch_ = nullptr; }

  bool begin() {
    evhttp_connection* evcon = evhttp_request_get_connection(req_);
    if (close_event_ == nullptr || evcon == nullptr)
      return false;
    output_ = bufferevent_get_output(evhttp_connection_get_bufferevent(evcon));
    set_header(req_, "Content-Type", "application/octet-stream");
    set_header(req_, "Content-Length", fmt::format("{}", after_ + kAbortShortfall));
    add_common_headers(worker_, req_);
    evhttp_send_reply_start(req_, 200, "OK");
    if (after_ > 0) {
      evbuffer* body = evbuffer_new();
      if (body == nullptr)
        return false;
      add_pattern(body, 0, after_);
      evhttp_send_reply_chunk(req_, body);
      evbuffer_free(body);
    }
    watch_ = evbuffer_add_cb(output_, &Abort::on_output, this);
    return watch_ != nullptr;
  }

private:
  static void on_output(evbuffer* buffer, const evbuffer_cb_info*, void* arg) noexcept {
    auto* self = static_cast<Abort*>(arg);
    if (evbuffer_get_length(buffer) != 0 || self->watch_ == nullptr)
      return;
    evbuffer_remove_cb_entry(buffer, self->watch_);
    self->watch_ = nullptr;
    event_active(self->close_event_, EV_TIMEOUT, 1);
  }

  static void on_close_event(evutil_socket_t, short, void* arg) noexcept {
    auto* self = static_cast<Abort*>(arg);
    evhttp_connection* evcon = evhttp_request_get_connection(self->req_);
    auto owned = self->worker_.release(self);
    // Frees the request with the connection; the client sees the body stop short of the
    // promised Content-Length and then EOF.
    if (evcon != nullptr)
      evhttp_connection_free(evcon);
  }

  std::uint64_t after_;
  evbuffer* output_ = nullptr;
  evbuffer_cb_entry* watch_ = nullptr;
  event* close_event_ = nullptr;
};

} // namespace

void start_timed_reply(Worker& worker, evhttp_request* req, std::chrono::microseconds hold,
                       std::string body, bool is_poll) {
  auto op = std::make_unique<TimedReply>(worker, req, std::move(body), is_poll);
  if (!op->arm(hold))
    return reply_error(worker, req, 500, "internal", "timer");
  worker.adopt(req, std::move(op));
}

void start_download(Worker& worker, evhttp_request* req, std::uint64_t bytes) {
  if (bytes == 0 || is_head(req)) {
    set_header(req, "Content-Length", fmt::format("{}", bytes));
    return reply(worker, req, 200, "application/octet-stream", {});
  }
  auto op = std::make_unique<Download>(worker, req, bytes);
  auto* raw = op.get();
  // Adopted first: begin() may already finish (and release) on a tiny body.
  worker.adopt(req, std::move(op));
  if (!raw->begin()) {
    auto owned = worker.release(raw);
    reply_error(worker, req, 500, "internal", "evbuffer");
  }
}

void start_stream(Worker& worker, evhttp_request* req, std::uint64_t chunks,
                  std::chrono::microseconds interval) {
  if (chunks == 0 || is_head(req))
    return reply(worker, req, 200, "text/plain; charset=UTF-8", {});
  auto op = std::make_unique<Stream>(worker, req, chunks, interval);
  if (!op->ready())
    return reply_error(worker, req, 500, "internal", "timer");
  auto* raw = op.get();
  worker.adopt(req, std::move(op));
  raw->begin();
}

void start_abort(Worker& worker, evhttp_request* req, std::uint64_t after) {
  auto op = std::make_unique<Abort>(worker, req, after);
  auto* raw = op.get();
  worker.adopt(req, std::move(op));
  if (!raw->begin()) {
    // Headers may be out already; closing is the only honest answer left.
    evhttp_connection* evcon = evhttp_request_get_connection(req);
    auto owned = worker.release(raw);
    if (evcon != nullptr)
      evhttp_connection_free(evcon);
  }
}

} // namespace stgw::stps_sim
