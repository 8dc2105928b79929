#pragma once

// A non-blocking connection, cleartext or TLS, with the few things a proxy needs from it: the
// bytes read so far, an output queue, callbacks, timeouts and back-pressure.
//
// It replaces libevent's bufferevents on the data path, for three reasons measured in profiles
// (docs/BENCHMARKS.md): a bufferevent adds and removes EV_WRITE around every write (two
// epoll_ctl per write), asks FIONREAD before every read, and keeps a read chain per connection
// while a long poll waits. Here:
// - the read event stays registered; output is written at the end of the current loop pass
//   (every write of that pass in one send) and EV_WRITE is watched only after EAGAIN;
// - reads go to one scratch buffer per loop; the owner consumes what it can during the read
//   callback and only the rest is copied into the stream, so a waiting poll holds no buffer;
// - TLS is driven with SSL_read/SSL_write directly (OpenSSL releases its own buffers).
//
// Callbacks never run inside a call the owner makes (write, consume, enable_reading, ...):
// they come from the loop only, and the owner may destroy the stream inside any of them.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <event2/event.h>
#include <event2/event_struct.h> // events embedded in Stream: no allocation per event
#include <openssl/ssl.h>

#include "gateway/net/address.h"
#include "gateway/net/handles.h"

namespace stgw::net {

class Stream;

// When a worker should poll its sockets instead of sleeping, learned from how long it slept.
// Polling stays on while sleeps end within |window| (each such wake-up costs the thread that
// sends the data more than polling costs here) and goes off after a sleep longer than that, so
// at light load the worker sleeps as usual. Times come from the caller: tests give their own.
class AdaptivePoll {
public:
  using Clock = std::chrono::steady_clock;
  explicit AdaptivePoll(std::chrono::microseconds window) : window_(window) {}

  // Whether the pass starting at |now| should poll without blocking.
  bool poll_now(Clock::time_point now) const { return polling_ && now - last_io_ < window_; }
  // After a pass that started at |start| and |blocked| or not: |woke| is when its first socket
  // event came (with |io|), or when it ended (without).
  void record(Clock::time_point start, Clock::time_point woke, bool blocked, bool io);

private:
  std::chrono::microseconds window_;
  Clock::time_point last_io_{};
  bool polling_ = false;
};

// What the streams of one event loop share: the read buffer and the queue of streams whose
// output is to be written at the end of the current loop pass. One per worker thread.
class IoLoop {
public:
  explicit IoLoop(event_base* base);
  ~IoLoop();
  IoLoop(const IoLoop&) = delete;
  IoLoop& operator=(const IoLoop&) = delete;

  event_base* base() const { return base_; }

  // Runs the event loop until event_base_loopexit/loopbreak. With |busy_poll| above zero the
  // loop polls for up to that long after socket I/O instead of sleeping, as AdaptivePoll decides.
  void run(std::chrono::microseconds busy_poll);

private:
  friend class Stream;
  static constexpr std::size_t kScratchBytes = 64 * 1024;

  void schedule_flush(Stream& stream);
  void cancel_flush(Stream& stream);
  static void on_flush(evutil_socket_t, short, void* arg) noexcept;

  // While run() busy-polls: whether the current pass handled a socket event, and when the first
  // one came.
  void note_socket_event();

  event_base* base_;
  bool timing_events_ = false;
  bool pass_had_io_ = false;
  AdaptivePoll::Clock::time_point first_event_at_{};
  EventPtr flush_event_;
  std::vector<Stream*> flush_queue_; // in order; null where a stream left the queue
  // During one stream's read callback, its new input is |borrowed_|, a view of |scratch_|; what
  // the owner leaves unconsumed moves into the stream's held input when the callback returns.
  Stream* borrower_ = nullptr;
  std::string_view borrowed_;
  std::unique_ptr<char[]> scratch_;
};

// Flags passed to the event callback, as with bufferevents.
enum StreamEvents : short {
  kStreamConnected = 0x01, // TCP connect or TLS handshake finished
  kStreamEof = 0x02,
  kStreamError = 0x04,
  kStreamTimeout = 0x08,
  kStreamReading = 0x10, // which direction saw it
  kStreamWriting = 0x20,
};

// A stream's read or write timeout, or none, in milliseconds: four bytes where an
// optional<timeval> takes 24.
class StreamTimeout {
public:
  StreamTimeout() = default;
  explicit StreamTimeout(const timeval* timeout);
  bool operator==(const StreamTimeout&) const = default;
  bool set() const { return milliseconds_ != kNone; }
  timeval value() const;

private:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  std::uint32_t milliseconds_ = kNone;
};

// How one kind of owner uses its streams: what a stream calls (each may be null) and the
// owner's buffer marks. One static constant per kind of owner, so that a stream keeps a
// single pointer for all of it.
struct StreamHandler {
  void (*readable)(Stream& stream, void* arg);            // input() has new bytes
  void (*drained)(Stream& stream, void* arg);             // output fell to output_low_mark
  void (*event)(Stream& stream, short events, void* arg); // StreamEvents
  // Reading pauses while this much unconsumed input is held, and resumes below it; 0 = never.
  std::size_t input_limit = 0;
  // drained() runs when a write leaves at most this much queued.
  std::size_t output_low_mark = 0;
};

class Stream {
public:
  // An accepted socket (owned from now on). With |ssl| (owned) the server handshake runs first
  // and kStreamConnected reports its end; without, the stream is open at once.
  static std::unique_ptr<Stream> accept(IoLoop& loop, int fd, SSL* ssl);
  // Starts connecting to |address|; with |ssl| (owned) a client handshake follows. Success or
  // failure arrives as an event (kStreamConnected, or kStreamError|kStreamWriting, or a
  // timeout from the write timeout). nullptr when no socket could be created (errno tells).
  static std::unique_ptr<Stream> connect(IoLoop& loop, const SocketAddress& address, SSL* ssl);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // |read|: new input. |drained|: output written down to the low mark. |event|: StreamEvents.
  void set_handler(const StreamHandler& handler, void* arg); // |handler| outlives the stream
  // Idle timeouts (nullptr = none): reading restarts on every read; writing applies while
  // output waits for the socket, and to connecting.
  void set_timeouts(const timeval* read, const timeval* write);
  void enable_reading(bool enabled);

  // Input received and not yet consumed; valid until the next call that changes the stream.
  std::string_view input() const;
  void consume(std::size_t bytes);
  // Queues |bytes|; they are sent at the end of the current loop pass.
  void write(std::string_view bytes);
  std::size_t output_length() const {
    return buffers_ ? buffers_->output.size() - buffers_->output_sent : 0;
  }
  // Frees idle buffers (a connection about to wait a long time); output still queued is freed
  // once it has been sent.
  void release_buffers();

  int fd() const { return fd_; }
  SSL* ssl() const { return ssl_; }
  bool connected() const { return state_ == State::Open; }

private:
  static constexpr std::uint32_t kNotQueued = UINT32_MAX;
  enum class State : std::uint8_t { Connecting, Handshaking, Open };
  enum class Want : std::uint8_t { None, Read, Write };

  Stream(IoLoop& loop, int fd, SSL* ssl, State state);
  static void on_read_event(evutil_socket_t, short what, void* arg) noexcept;
  static void on_write_event(evutil_socket_t, short what, void* arg) noexcept;

  void handle_readable();
  void handle_writable();
  void finish_connect();
  void continue_handshake();
  void read_input();
  std::ptrdiff_t receive(char* buffer, std::size_t capacity, short& failure);
  void keep_unconsumed_input();
  void flush(); // called by IoLoop at the end of a loop pass, and when writable
  std::ptrdiff_t send_some(short& failure);
  void schedule_flush();
  void update_events();
  void watch(event& ev, bool& watched, bool wanted, StreamTimeout timeout);
  static void retime(event& ev, StreamTimeout timeout);
  event& write_event();
  void drop_write_event_if_idle(); // after connecting: most never need it again
  template <typename Call> bool survives(Call&& call);
  // Each returns false when the callback destroyed the stream.
  bool notify_read();
  bool notify_drained();
  bool notify_event(short events);

  // Laid out small: a parked long poll keeps two streams for minutes.
  IoLoop& loop_;
  SSL* ssl_;
  int fd_;
  int connect_error_ = 0;
  std::uint32_t flush_slot_ = kNotQueued; // index in the IoLoop's flush queue
  State state_;
  Want handshake_wants_ = Want::None;
  bool read_watched_ = false;
  bool write_watched_ = false;
  bool reading_enabled_ = true;
  bool input_paused_ = false;  // over the input limit
  bool read_closed_ = false;   // EOF or error seen: nothing more to read
  bool write_blocked_ = false; // the socket refused output: wait for EV_WRITE
  bool write_wants_read_ = false;
  bool failed_ = false;                // an I/O error: no TLS close_notify on destruction
  bool free_output_when_sent_ = false; // release_buffers() came while output was queued
  StreamTimeout read_timeout_;
  StreamTimeout write_timeout_;
  event read_event_;
  EventPtr write_event_; // see write_event()

  // What waits in either direction, made on first use and dropped by release_buffers(): an
  // idle stream (a parked poll) keeps one pointer for it.
  struct Buffers {
    std::string input;
    std::size_t input_start = 0;
    std::string output;
    std::size_t output_sent = 0;
  };
  std::unique_ptr<Buffers> buffers_;
  Buffers& buffers();
  std::size_t held_input() const;
  bool borrowing() const { return loop_.borrower_ == this; }

  const StreamHandler* handler_ = nullptr;
  void* arg_ = nullptr;
  bool* destroyed_ = nullptr; // set by the destructor while a callback runs

  friend class IoLoop;
};

} // namespace stgw::net
