#include "gateway/net/stream.h"

#include <algorithm>
#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

namespace stgw::net {
namespace {

// Output capacity kept after a drain; more is given back (a large download's buffer).
constexpr std::size_t kKeptOutputCapacity = 16 * 1024;
// Input capacity kept once everything was consumed.
constexpr std::size_t kKeptInputCapacity = 4 * 1024;
// One TLS write: a full record, so that a large body goes out in full-size records.
constexpr std::size_t kTlsWriteBytes = 16 * 1024;

bool would_block(int error) {
  return error == EAGAIN || error == EWOULDBLOCK;
}

// SSL_get_error() needs the thread's error queue empty before each TLS call. OpenSSL 3.0's
// ERR_clear_error() wipes all sixteen slots on every call (about 800 instructions, twice per
// proxied request); looking first costs a fraction of that, and the queue is almost always
// empty already (every failure path below clears it).
void clear_tls_errors() {
  if (ERR_peek_error() != 0)
    ERR_clear_error();
}

// A peer that closes without close_notify ends the stream like a clean close: browsers and
// STPS both do it, and HTTP framing (not TLS) tells whether a message was complete.
bool is_unexpected_eof(int ssl_error) {
  if (ssl_error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
    return true;
  return ssl_error == SSL_ERROR_SSL &&
         ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

} // namespace

IoLoop::IoLoop(event_base* base)
    : base_(base), flush_event_(event_new(base, -1, 0, &IoLoop::on_flush, this)),
      scratch_(new char[kScratchBytes]) {}

IoLoop::~IoLoop() = default;

void AdaptivePoll::record(Clock::time_point start, Clock::time_point woke, bool blocked, bool io) {
  if (io)
    last_io_ = woke;
  if (blocked)
    polling_ = woke - start < window_;
}

void IoLoop::run(std::chrono::microseconds busy_poll) {
  if (busy_poll.count() <= 0) {
    event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY);
    return;
  }
  using Clock = AdaptivePoll::Clock;
  AdaptivePoll poll(busy_poll);
  timing_events_ = true;
  while (!event_base_got_exit(base_) && !event_base_got_break(base_)) {
    pass_had_io_ = false;
    Clock::time_point start = Clock::now();
    bool polling = poll.poll_now(start);
    event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY | (polling ? EVLOOP_NONBLOCK : EVLOOP_ONCE));
    poll.record(start, pass_had_io_ ? first_event_at_ : Clock::now(), !polling, pass_had_io_);
  }
  timing_events_ = false;
}

void IoLoop::note_socket_event() {
  if (timing_events_ && !pass_had_io_) {
    pass_had_io_ = true;
    first_event_at_ = AdaptivePoll::Clock::now();
  }
}

void IoLoop::schedule_flush(Stream& stream) {
  stream.flush_slot_ = static_cast<std::uint32_t>(flush_queue_.size());
  flush_queue_.push_back(&stream);
  // Activated events run after those already active in this pass: every write a pass makes
  // is queued before the flush runs.
  if (flush_queue_.size() == 1)
    event_active(flush_event_.get(), 0, 0);
}

void IoLoop::cancel_flush(Stream& stream) {
  if (stream.flush_slot_ == Stream::kNotQueued)
    return;
  flush_queue_[stream.flush_slot_] = nullptr;
  stream.flush_slot_ = Stream::kNotQueued;
}

void IoLoop::on_flush(evutil_socket_t, short, void* arg) noexcept {
  auto* self = static_cast<IoLoop*>(arg);
  // A flush may destroy streams (the owner closes; they leave a null) or queue others (at the
  // end, flushed in this same run); index, since the queue may grow meanwhile.
  for (std::size_t i = 0; i < self->flush_queue_.size(); ++i) {
    Stream* stream = self->flush_queue_[i];
    if (stream == nullptr)
      continue;
    self->cancel_flush(*stream);
    stream->flush();
  }
  self->flush_queue_.clear();
}

Stream::Stream(IoLoop& loop, int fd, SSL* ssl, State state)
    : loop_(loop), ssl_(ssl), fd_(fd), state_(state) {
  event_assign(&read_event_, loop.base(), fd, EV_READ | EV_PERSIST, &Stream::on_read_event, this);
  if (ssl_ != nullptr) {
    // Output lives in a std::string that may move between a WANT_WRITE and the retry.
    SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                           SSL_MODE_RELEASE_BUFFERS);
    SSL_set_fd(ssl_, fd_);
    // One read() per wake-up takes whatever records arrived (without read-ahead OpenSSL reads
    // a record header and its body separately); receive() then empties OpenSSL's buffer.
    SSL_set_read_ahead(ssl_, 1);
  }
}

std::unique_ptr<Stream> Stream::accept(IoLoop& loop, int fd, SSL* ssl) {
  std::unique_ptr<Stream> stream(
      new Stream(loop, fd, ssl, ssl != nullptr ? State::Handshaking : State::Open));
  if (ssl != nullptr) {
    SSL_set_accept_state(ssl);
    stream->handshake_wants_ = Want::Read; // the ClientHello
  }
  stream->update_events();
  return stream;
}

std::unique_ptr<Stream> Stream::connect(IoLoop& loop, const SocketAddress& address, SSL* ssl) {
  int fd = ::socket(address.get()->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    if (ssl != nullptr)
      SSL_free(ssl);
    return nullptr;
  }
  std::unique_ptr<Stream> stream(new Stream(loop, fd, ssl, State::Connecting));
  if (::connect(fd, address.get(), address.length) != 0 && errno != EINPROGRESS) {
    // Refused at once (loopback): reported like a refusal found later, from the loop.
    stream->connect_error_ = errno;
    event_active(&stream->write_event(), EV_WRITE, 0);
  }
  stream->update_events();
  return stream;
}

Stream::~Stream() {
  if (destroyed_ != nullptr)
    *destroyed_ = true;
  loop_.cancel_flush(*this);
  if (borrowing()) { // destroyed by its own read callback
    loop_.borrower_ = nullptr;
    loop_.borrowed_ = {};
  }
  event_del(&read_event_);
  write_event_.reset(); // event_free() deletes it first
  if (ssl_ != nullptr) {
    if (state_ == State::Open && !failed_ && !read_closed_) {
      ERR_clear_error();
      SSL_shutdown(ssl_); // one try at close_notify; never waits
    }
    SSL_free(ssl_);
    ERR_clear_error();
  }
  ::close(fd_);
}

void Stream::set_handler(const StreamHandler& handler, void* arg) {
  handler_ = &handler;
  arg_ = arg;
}

StreamTimeout::StreamTimeout(const timeval* timeout) {
  if (timeout == nullptr)
    return;
  // Rounded up to whole milliseconds (a timeout never fires early) and capped below kNone,
  // about 49 days.
  auto ms = static_cast<std::uint64_t>(std::max<long>(timeout->tv_sec, 0)) * 1000 +
            (static_cast<std::uint64_t>(std::max<long>(timeout->tv_usec, 0)) + 999) / 1000;
  milliseconds_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(ms, kNone - 1));
}

timeval StreamTimeout::value() const {
  return {static_cast<time_t>(milliseconds_ / 1000),
          static_cast<suseconds_t>(milliseconds_ % 1000 * 1000)};
}

void Stream::set_timeouts(const timeval* read, const timeval* write) {
  StreamTimeout new_read(read);
  if (new_read != read_timeout_) {
    read_timeout_ = new_read;
    if (read_watched_)
      retime(read_event_, read_timeout_);
  }
  StreamTimeout new_write(write);
  if (new_write != write_timeout_) {
    write_timeout_ = new_write;
    if (write_watched_)
      retime(*write_event_, write_timeout_);
  }
}

// A registered event gets a new timeout (or none) without touching epoll.
void Stream::retime(event& ev, StreamTimeout timeout) {
  if (timeout.set()) {
    timeval tv = timeout.value();
    event_add(&ev, &tv);
  } else {
    event_remove_timer(&ev);
  }
}

void Stream::enable_reading(bool enabled) {
  if (reading_enabled_ == enabled)
    return;
  reading_enabled_ = enabled;
  update_events();
  // Decrypted bytes OpenSSL already holds would not wake epoll.
  if (enabled && ssl_ != nullptr && state_ == State::Open && SSL_has_pending(ssl_) && !read_closed_)
    event_active(&read_event_, EV_READ, 0);
}

Stream::Buffers& Stream::buffers() {
  if (!buffers_)
    buffers_ = std::make_unique<Buffers>();
  return *buffers_;
}

std::size_t Stream::held_input() const {
  return buffers_ ? buffers_->input.size() - buffers_->input_start : 0;
}

std::string_view Stream::input() const {
  if (borrowing())
    return loop_.borrowed_;
  if (!buffers_)
    return {};
  return std::string_view(buffers_->input).substr(buffers_->input_start);
}

void Stream::consume(std::size_t bytes) {
  if (borrowing()) {
    loop_.borrowed_.remove_prefix(bytes);
    return;
  }
  if (buffers_) {
    Buffers& held = *buffers_;
    held.input_start += bytes;
    if (held.input_start < held.input.size())
      return;
    held.input_start = 0;
    if (held.input.capacity() > kKeptInputCapacity)
      std::string().swap(held.input);
    else
      held.input.clear();
  }
  if (input_paused_) {
    input_paused_ = false;
    update_events();
  }
}

void Stream::write(std::string_view bytes) {
  if (bytes.empty())
    return;
  Buffers& held = buffers();
  if (held.output_sent > 0 && held.output_sent >= held.output.size() / 2) {
    held.output.erase(0, held.output_sent); // keep the queue compact as a long body streams
    held.output_sent = 0;
  }
  held.output.append(bytes);
  schedule_flush();
}

void Stream::release_buffers() {
  if (!buffers_)
    return;
  if (output_length() == 0 && held_input() == 0) {
    buffers_.reset();
    return;
  }
  Buffers& held = *buffers_;
  if (output_length() == 0) {
    std::string().swap(held.output);
    held.output_sent = 0;
  } else {
    free_output_when_sent_ = true; // what is queued now is the last for a while
  }
  if (held_input() == 0) {
    std::string().swap(held.input);
    held.input_start = 0;
  }
}

void Stream::schedule_flush() {
  if (flush_slot_ == kNotQueued && !write_blocked_ && state_ == State::Open)
    loop_.schedule_flush(*this);
}

// ---- events ----

void Stream::on_read_event(evutil_socket_t, short what, void* arg) noexcept {
  auto* self = static_cast<Stream*>(arg);
  self->loop_.note_socket_event();
  if (what & EV_TIMEOUT) {
    self->reading_enabled_ = false;
    self->update_events();
    self->notify_event(kStreamTimeout | kStreamReading);
    return;
  }
  self->handle_readable();
}

void Stream::on_write_event(evutil_socket_t, short what, void* arg) noexcept {
  auto* self = static_cast<Stream*>(arg);
  self->loop_.note_socket_event();
  if (what & EV_TIMEOUT) {
    self->write_blocked_ = false;
    self->update_events();
    self->notify_event(kStreamTimeout | kStreamWriting);
    return;
  }
  self->handle_writable();
}

void Stream::handle_readable() {
  if (state_ == State::Handshaking) {
    continue_handshake();
    return;
  }
  if (state_ != State::Open)
    return;
  if (write_wants_read_) {
    write_wants_read_ = false;
    if (!survives([this] { flush(); }))
      return;
  }
  if (reading_enabled_ && !input_paused_ && !read_closed_)
    read_input();
  else
    update_events();
}

void Stream::handle_writable() {
  switch (state_) {
    case State::Connecting:
      finish_connect();
      return;
    case State::Handshaking:
      continue_handshake();
      return;
    case State::Open:
      write_blocked_ = false;
      flush();
      return;
  }
}

void Stream::finish_connect() {
  int error = connect_error_;
  if (error == 0) {
    socklen_t length = sizeof error;
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0)
      error = errno;
  }
  if (error != 0) {
    failed_ = true; // stays Connecting: nothing more happens on this socket
    update_events();
    errno = error;
    notify_event(kStreamError | kStreamWriting);
    return;
  }
  if (ssl_ != nullptr) {
    state_ = State::Handshaking;
    SSL_set_connect_state(ssl_);
    continue_handshake();
    return;
  }
  state_ = State::Open;
  update_events();
  drop_write_event_if_idle();
  if (!notify_event(kStreamConnected))
    return;
  if (output_length() > 0)
    schedule_flush();
}

void Stream::continue_handshake() {
  clear_tls_errors();
  int result = SSL_do_handshake(ssl_);
  if (result == 1) {
    state_ = State::Open;
    handshake_wants_ = Want::None;
    update_events();
    drop_write_event_if_idle();
    if (!notify_event(kStreamConnected))
      return;
    if (output_length() > 0)
      schedule_flush();
    if (SSL_has_pending(ssl_) && reading_enabled_)
      event_active(&read_event_, EV_READ, 0);
    return;
  }
  int error = SSL_get_error(ssl_, result);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    handshake_wants_ = error == SSL_ERROR_WANT_READ ? Want::Read : Want::Write;
    update_events();
    return;
  }
  ERR_clear_error(); // the owner reports the failure; the queue must not leak to others
  failed_ = true;
  handshake_wants_ = Want::None;
  read_closed_ = true;
  update_events();
  notify_event(kStreamError | kStreamReading);
}

void Stream::read_input() {
  char* scratch = loop_.scratch_.get();
  short failure = 0;
  std::ptrdiff_t received = receive(scratch, IoLoop::kScratchBytes, failure);
  if (received > 0) {
    if (held_input() == 0) {
      // Nothing held: the owner reads straight from the scratch buffer.
      loop_.borrower_ = this;
      loop_.borrowed_ = std::string_view(scratch, static_cast<std::size_t>(received));
    } else {
      Buffers& held = *buffers_;
      if (held.input_start > 0) {
        held.input.erase(0, held.input_start);
        held.input_start = 0;
      }
      held.input.append(scratch, static_cast<std::size_t>(received));
    }
    if (!notify_read())
      return;
    keep_unconsumed_input();
    if (ssl_ != nullptr && SSL_has_pending(ssl_) && reading_enabled_ && !input_paused_)
      event_active(&read_event_, EV_READ, 0);
  }
  if (failure != 0) {
    read_closed_ = true;
    failed_ = (failure & kStreamError) != 0;
    update_events();
    notify_event(static_cast<short>(failure | kStreamReading));
  }
}

// Reads what is there into |buffer|. Returns the byte count (0 = nothing now); |failure|
// becomes kStreamEof or kStreamError when the stream ended.
std::ptrdiff_t Stream::receive(char* buffer, std::size_t capacity, short& failure) {
  if (ssl_ == nullptr) {
    ssize_t n = ::recv(fd_, buffer, capacity, 0);
    if (n > 0)
      return n;
    if (n == 0)
      failure = kStreamEof;
    else if (!would_block(errno) && errno != EINTR)
      failure = kStreamError;
    return 0;
  }
  std::size_t total = 0;
  while (total < capacity) {
    clear_tls_errors();
    std::size_t got = 0;
    if (SSL_read_ex(ssl_, buffer + total, capacity - total, &got) == 1) {
      total += got;
      // Stop before OpenSSL would read the socket again: epoll reports what is left there.
      if (!SSL_has_pending(ssl_))
        break;
      continue;
    }
    int error = SSL_get_error(ssl_, 0);
    if (error == SSL_ERROR_WANT_READ)
      break;
    if (error == SSL_ERROR_WANT_WRITE) {
      break; // a renegotiation-like need; the next writable/readable event continues
    }
    if (error == SSL_ERROR_ZERO_RETURN || is_unexpected_eof(error))
      failure = kStreamEof;
    else
      failure = kStreamError;
    ERR_clear_error();
    break;
  }
  return static_cast<std::ptrdiff_t>(total);
}

void Stream::keep_unconsumed_input() {
  if (borrowing()) {
    std::string_view rest = loop_.borrowed_;
    loop_.borrower_ = nullptr;
    loop_.borrowed_ = {};
    if (!rest.empty()) {
      Buffers& held = buffers();
      held.input.assign(rest);
      held.input_start = 0;
    }
  }
  std::size_t limit = handler_ != nullptr ? handler_->input_limit : 0;
  if (limit != 0 && held_input() >= limit && !input_paused_) {
    input_paused_ = true;
    update_events();
  }
}

void Stream::flush() {
  if (state_ != State::Open || write_blocked_ || failed_)
    return;
  std::size_t before = output_length();
  if (before == 0)
    return;
  short failure = 0;
  while (output_length() > 0) {
    std::ptrdiff_t sent = send_some(failure);
    if (sent <= 0)
      break;
    buffers_->output_sent += static_cast<std::size_t>(sent);
  }
  if (output_length() == 0) {
    Buffers& held = *buffers_;
    held.output_sent = 0;
    if (free_output_when_sent_ && held_input() == 0 && !borrowing())
      buffers_.reset(); // release_buffers() asked while this was still going out
    else if (held.output.capacity() > kKeptOutputCapacity || free_output_when_sent_)
      std::string().swap(held.output);
    else
      held.output.clear();
    free_output_when_sent_ = false;
  }
  if (failure != 0) {
    failed_ = true;
    write_blocked_ = false;
    update_events();
    notify_event(static_cast<short>(failure | kStreamWriting));
    return;
  }
  write_blocked_ = output_length() > 0 && !write_wants_read_;
  update_events();
  if (output_length() < before &&
      output_length() <= (handler_ != nullptr ? handler_->output_low_mark : 0))
    notify_drained();
}

// Sends from the front of the queue. Returns the bytes sent; 0 when the socket is full (EV_WRITE
// or, for TLS, sometimes EV_READ, is then awaited); |failure| set when the stream broke.
std::ptrdiff_t Stream::send_some(short& failure) {
  const char* data = buffers_->output.data() + buffers_->output_sent;
  std::size_t length = output_length();
  if (ssl_ == nullptr) {
    ssize_t n = ::send(fd_, data, length, MSG_NOSIGNAL);
    if (n >= 0)
      return n;
    if (!would_block(errno) && errno != EINTR)
      failure = kStreamError;
    return 0;
  }
  clear_tls_errors();
  std::size_t written = 0;
  if (SSL_write_ex(ssl_, data, std::min(length, kTlsWriteBytes), &written) == 1)
    return static_cast<std::ptrdiff_t>(written);
  int error = SSL_get_error(ssl_, 0);
  if (error == SSL_ERROR_WANT_READ)
    write_wants_read_ = true;
  else if (error != SSL_ERROR_WANT_WRITE)
    failure = kStreamError;
  ERR_clear_error();
  return 0;
}

void Stream::update_events() {
  bool want_read = false;
  bool want_write = false;
  switch (state_) {
    case State::Connecting:
      want_write = !failed_;
      break;
    case State::Handshaking:
      want_read = handshake_wants_ == Want::Read;
      want_write = handshake_wants_ == Want::Write;
      break;
    case State::Open:
      want_read = (reading_enabled_ && !input_paused_ && !read_closed_) || write_wants_read_;
      want_write = write_blocked_ && !failed_;
      break;
  }
  watch(read_event_, read_watched_, want_read, read_timeout_);
  if (want_write || write_watched_)
    watch(write_event(), write_watched_, want_write, write_timeout_);
}

// Made on first use: most connections never wait for the socket to take output.
event& Stream::write_event() {
  if (!write_event_)
    write_event_.reset(
        event_new(loop_.base(), fd_, EV_WRITE | EV_PERSIST, &Stream::on_write_event, this));
  return *write_event_;
}

void Stream::drop_write_event_if_idle() {
  if (!write_watched_)
    write_event_.reset();
}

void Stream::watch(event& ev, bool& watched, bool wanted, StreamTimeout timeout) {
  if (wanted == watched)
    return;
  watched = wanted;
  if (!wanted) {
    event_del(&ev);
  } else if (timeout.set()) {
    timeval tv = timeout.value();
    event_add(&ev, &tv);
  } else {
    event_add(&ev, nullptr);
  }
}

// ---- callbacks ----

// Runs |call| (which may destroy the stream); false when it did. Nested calls chain their
// flags so that the outermost caller learns it too.
template <typename Call> bool Stream::survives(Call&& call) {
  bool destroyed = false;
  bool* outer = destroyed_;
  destroyed_ = &destroyed;
  call();
  if (destroyed) {
    if (outer != nullptr)
      *outer = true;
    return false;
  }
  destroyed_ = outer;
  return true;
}

bool Stream::notify_read() {
  return handler_ == nullptr || handler_->readable == nullptr ||
         survives([this] { handler_->readable(*this, arg_); });
}

bool Stream::notify_drained() {
  return handler_ == nullptr || handler_->drained == nullptr ||
         survives([this] { handler_->drained(*this, arg_); });
}

bool Stream::notify_event(short events) {
  return handler_ == nullptr || handler_->event == nullptr ||
         survives([this, events] { handler_->event(*this, events, arg_); });
}

} // namespace stgw::net
