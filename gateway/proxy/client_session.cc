#include "gateway/proxy/client_session.h"

#include "gateway/policy/router.h"
#include "gateway/proxy/header_rewrite.h"

namespace stgw::proxy {
namespace {

// Reading stops when this much client input waits (a pipelined request behind a long poll);
// writing back-pressures the backend above kOutputHigh and resumes below the low mark.
constexpr std::size_t kInputHigh = 64 * 1024;
constexpr std::size_t kOutputHigh = 256 * 1024;
constexpr std::size_t kOutputLow = 64 * 1024;
// During drain, a request that has waited this long for its response head is a parked poll
// and is answered at once; shorter waits are ordinary requests and may finish.
constexpr auto kParkedGrace = std::chrono::seconds(1);

timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000),
                 static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

http::DecoderLimits limits_of(const config::ServerConfig& server) {
  // Both sizes are validated to at most 1 MiB.
  return {static_cast<std::uint32_t>(server.max_header_bytes),
          static_cast<std::uint32_t>(server.max_uri_bytes), server.max_body_bytes};
}

// The WebSphere clone id of a "JSESSIONID=<id>:<clone>" cookie (the plug-in's affinity rule).
std::string_view jsessionid_clone(const http::HeaderList& headers) {
  for (auto field : headers) {
    if (!http::iequals(field.name, "cookie"))
      continue;
    std::string_view rest = field.value;
    while (!rest.empty()) {
      std::size_t end = rest.find(';');
      std::string_view pair = rest.substr(0, end);
      while (!pair.empty() && pair.front() == ' ')
        pair.remove_prefix(1);
      if (pair.starts_with("JSESSIONID=")) {
        std::string_view value = pair.substr(11);
        std::size_t colon = value.rfind(':');
        if (colon != std::string_view::npos)
          return value.substr(colon + 1);
      }
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
  }
  return {};
}

std::string_view origin_of(const http::RequestHead& head) {
  if (auto origin = head.headers.get("origin"))
    return *origin;
  if (auto referer = head.headers.get("referer"))
    return *referer;
  return {};
}

} // namespace

void ClientSession::start(WorkerContext& worker, std::shared_ptr<const ListenerInfo> listener,
                          int fd, const net::SocketAddress& peer, ClientSlot slot) {
  SSL* ssl = listener->tls ? listener->tls->new_ssl() : nullptr;
  if (listener->tls && ssl == nullptr) {
    ::close(fd);
    return;
  }
  new ClientSession(worker, std::move(listener), net::Stream::accept(worker.io(), fd, ssl), peer,
                    std::move(slot));
}

ClientSession::ClientSession(WorkerContext& worker, std::shared_ptr<const ListenerInfo> listener,
                             std::unique_ptr<net::Stream> stream, const net::SocketAddress& peer,
                             ClientSlot slot)
    : worker_(worker), listener_(std::move(listener)), stream_(std::move(stream)),
      peer_ip_(peer.ip()), slot_(std::move(slot)),
      decoder_(*this, limits_of(worker.generation()->config().server)) {
  worker_.add(this);
  worker_.observer().on_client_connection(listener_->name, +1);
  tls_ready_ = !listener_->tls;
  static constexpr net::StreamHandler kHandler{
      &ClientSession::on_client_read, &ClientSession::on_client_write,
      &ClientSession::on_client_event, kInputHigh, kOutputLow};
  stream_->set_handler(kHandler, this);
  client_idle_timeouts();
}

ClientSession::~ClientSession() {
  if (exchange_)
    abort_exchange("client_closed");
  worker_.observer().on_client_connection(listener_->name, -1);
  worker_.remove(this);
}

ClientSession::Guard::~Guard() {
  if (--session_.depth_ == 0 && session_.closed_)
    delete &session_;
}

void ClientSession::close() {
  if (closed_)
    return;
  closed_ = true;
  stream_->enable_reading(false);
  if (depth_ == 0)
    delete this;
}

void ClientSession::close_after_flush() {
  close_after_flush_ = true;
  stream_->enable_reading(false);
  if (stream_->output_length() == 0)
    close();
}

void ClientSession::client_idle_timeouts() {
  const auto& server = worker_.generation()->config().server;
  timeval idle = to_timeval(server.keepalive_timeout);
  stream_->set_timeouts(&idle, &idle);
}

void ClientSession::on_client_read(net::Stream&, void* arg) noexcept {
  auto* self = static_cast<ClientSession*>(arg);
  Guard guard(*self);
  if (!self->tls_ready_) {
    self->tls_ready_ = true;
    self->worker_.observer().on_tls_handshake(self->listener_->name, true);
  }
  self->process_input();
}

void ClientSession::process_input() {
  while (!closed_ && !close_after_flush_) {
    if (decoder_.message_complete()) {
      if (exchange_)
        return; // the response to the current request is still under way
      decoder_.next_message();
    }
    std::string_view input = stream_->input();
    if (input.empty())
      break;
    auto used = decoder_.feed(input);
    if (!used) {
      http::DecodeError error = used.error();
      worker_.observer().on_rejected(http::error_code(error));
      if (!exchange_)
        start_exchange(http::RequestHead{});
      exchange_->error = http::error_code(error);
      if (exchange_->response_started) {
        close();
      } else {
        send_local_reply({http::status_for(error), http::error_code(error), "malformed request"},
                         true);
      }
      return;
    }
    stream_->consume(*used);
    if (exchange_ && exchange_->response_complete)
      after_exchange();
    if (*used == 0)
      break;
    if (exchange_ && !exchange_->request_complete && exchange_->backend != nullptr &&
        exchange_->backend->stream().output_length() >= kOutputHigh) {
      // The backend is slower than the upload: stop reading until it drains.
      stream_->enable_reading(false);
      return;
    }
  }
  if (!closed_ && !exchange_ && !decoder_.idle())
    arm_header_timer();
}

void ClientSession::arm_header_timer() {
  if (!header_timer_)
    header_timer_.reset(evtimer_new(worker_.base(), &ClientSession::on_header_timeout, this));
  if (evtimer_pending(header_timer_.get(), nullptr))
    return;
  timeval timeout = to_timeval(worker_.generation()->config().server.header_timeout);
  evtimer_add(header_timer_.get(), &timeout);
}

void ClientSession::on_header_timeout(evutil_socket_t, short, void* arg) noexcept {
  auto* self = static_cast<ClientSession*>(arg);
  Guard guard(*self);
  if (self->exchange_)
    return;
  self->worker_.observer().on_rejected("header_timeout");
  self->close();
}

void ClientSession::on_request_head(http::RequestHead&& head) {
  if (header_timer_)
    evtimer_del(header_timer_.get());
  start_exchange(std::move(head));
}

void ClientSession::start_exchange(http::RequestHead&& head) {
  exchange_ = std::make_unique<Exchange>();
  Exchange& exchange = *exchange_;
  exchange.generation = worker_.generation();
  exchange.request = std::move(head);
  exchange.start = std::chrono::steady_clock::now();
  if (exchange.request.method.empty())
    return; // placeholder for a decode error reply
  // A bodiless request is complete with its head, so a local reply can keep the connection.
  exchange.request_complete = exchange.request.body == http::BodyKind::None;
  exchange.closing = !exchange.request.keep_alive || draining_ || worker_.draining();
  if (!policy::is_safe_path(exchange.request.path())) {
    send_local_reply({400, "bad_path", "dot segments or encoded slashes in the path"}, true);
    return;
  }
  const auto& router = exchange.generation->router();
  exchange.route = router.match(exchange.request.host(), exchange.request.path());
  if (exchange.route == nullptr) {
    send_local_reply({404, "no_route", "no route matches this host and path"},
                     exchange.request.body != http::BodyKind::None);
    return;
  }
  if (!authorize(exchange))
    return;
  connect_backend(exchange);
}

void ClientSession::connect_backend(Exchange& exchange) {
  exchange.pool = exchange.generation->pool_for(*exchange.route);
  std::uint64_t user_hash = exchange.user.empty() ? 0 : std::hash<std::string>{}(exchange.user) | 1;
  auto server = exchange.pool->choose(jsessionid_clone(exchange.request.headers), user_hash);
  if (!server) {
    exchange.error = "no_server";
    send_local_reply({503, "no_server", "no backend server is available"}, true);
    return;
  }
  exchange.backend = exchange.pool->acquire(*server, *this);
  if (exchange.backend == nullptr) {
    worker_.observer().on_backend_error(exchange.pool->config().name,
                                        exchange.pool->server(*server).name,
                                        BackendErrorKind::Connect);
    send_local_reply({502, "backend_unreachable", "cannot open a backend connection"}, true);
    return;
  }
  send_request_head(exchange);
  if (exchange.request.expect_continue && exchange.request.body != http::BodyKind::None)
    write_client("HTTP/1.1 100 Continue\r\n\r\n");
  // The client may stay silent now (a parked poll): only an upload has a client read timeout.
  timeval idle = to_timeval(exchange.route->idle_timeout);
  stream_->set_timeouts(exchange.request.body != http::BodyKind::None ? &idle : nullptr, &idle);
}

void ClientSession::on_request_body(std::string_view data) {
  if (!exchange_ || exchange_->backend == nullptr)
    return; // local reply already sent
  exchange_->bytes_in += data.size();
  if (exchange_->request.body == http::BodyKind::Chunked) {
    std::string& scratch = worker_.scratch();
    http::serialize_chunk_header(data.size(), scratch);
    write_backend(scratch);
    write_backend(data);
    write_backend(http::kChunkTrailer);
  } else {
    write_backend(data);
  }
}

void ClientSession::on_request_complete() {
  if (!exchange_)
    return;
  Exchange& exchange = *exchange_;
  exchange.request_complete = true;
  if (exchange.backend == nullptr)
    return;
  if (exchange.request.body == http::BodyKind::Chunked)
    write_backend(http::kLastChunk);
  if (!exchange.response_started) {
    exchange.backend->set_read_timeout(exchange.route->timeout);
    set_parked(true);
  }
  timeval idle = to_timeval(exchange.route->idle_timeout);
  stream_->set_timeouts(nullptr, &idle);
}

void ClientSession::set_parked(bool parked) {
  Exchange& exchange = *exchange_;
  if (exchange.parked == parked)
    return;
  exchange.parked = parked;
  if (!parked)
    exchange.parked_slot.reset();
  if (parked) {
    exchange.was_parked = true;
    exchange.parked_since = std::chrono::steady_clock::now();
    worker_.sweep_parked_later(); // a long poll may wait minutes: see release_parked_state()
    if (draining_)
      answer_parked_for_drain();
  }
  worker_.observer().on_parked(exchange.generation->route_label(exchange.route),
                               origin_of(exchange.request), parked ? +1 : -1);
}

void ClientSession::send_local_reply(const LocalReply& reply, bool close_connection) {
  Exchange& exchange = *exchange_;
  if (exchange.backend != nullptr)
    release_backend(false);
  if (exchange.parked)
    set_parked(false);
  exchange.status = reply.status;
  if (exchange.error.empty())
    exchange.error = reply.error;
  bool closing = close_connection || exchange.closing || !exchange.request_complete;
  exchange.closing = closing;
  std::string& scratch = worker_.scratch();
  serialize_local_reply(reply, closing, exchange.request.version_minor,
                        exchange.request.method == "HEAD", scratch);
  write_client(scratch);
  exchange.response_started = true;
  exchange.response_complete = true;
  // A keep-alive reply continues in process_input() once the decoder callback has returned;
  // a closing one ends the exchange now. (Never called from inside a response decoder.)
  if (closing)
    after_exchange();
}

void ClientSession::write_client(std::string_view bytes) {
  stream_->write(bytes);
}

bool ClientSession::client_output_full() const {
  return stream_->output_length() >= kOutputHigh;
}

void ClientSession::finish_exchange() {
  Exchange& exchange = *exchange_;
  if (exchange.recorded)
    return;
  exchange.recorded = true;
  if (exchange.parked)
    set_parked(false);
  ExchangeRecord record;
  record.duration = std::chrono::steady_clock::now() - exchange.start;
  // The wall-clock start, from the steady duration: one clock reading kept per exchange.
  record.start = std::chrono::system_clock::now() -
                 std::chrono::duration_cast<std::chrono::system_clock::duration>(record.duration);
  record.client_ip = peer_ip_;
  record.listener = listener_->name;
  record.method = exchange.request.method;
  record.target = exchange.request.target;
  record.host = exchange.request.host();
  record.referer_origin = origin_of(exchange.request);
  record.status = exchange.status;
  record.bytes_in = exchange.bytes_in;
  record.bytes_out = exchange.bytes_out;
  record.route = exchange.route != nullptr
                     ? std::string_view(exchange.generation->route_label(exchange.route))
                     : std::string_view();
  if (exchange.pool != nullptr)
    record.backend = exchange.pool->config().name;
  if (exchange.pool != nullptr && exchange.server != Exchange::kNoServer)
    record.server = exchange.pool->server(exchange.server).name;
  record.user = exchange.user;
  record.token_format = exchange.token_format;
  record.auth_result = exchange.auth_result;
  if (auto* ssl = stream_->ssl())
    record.tls_version = net::tls_version(ssl);
  record.parked = exchange.was_parked;
  record.error = exchange.error;
  worker_.observer().on_exchange_done(record);
}

void ClientSession::after_exchange() {
  // The response is complete and written (or queued). Either close or take the next request.
  bool closing = exchange_->closing;
  finish_exchange();
  decoder_.recycle(std::move(exchange_->request)); // its storage serves the next request
  exchange_.reset();
  if (header_timer_)
    evtimer_del(header_timer_.get());
  if (closing) {
    close_after_flush();
    return;
  }
  client_idle_timeouts();
  stream_->enable_reading(true);
}

void ClientSession::on_client_write(net::Stream&, void* arg) noexcept {
  auto* self = static_cast<ClientSession*>(arg);
  Guard guard(*self);
  std::size_t pending = self->stream_->output_length();
  if (self->close_after_flush_) {
    if (pending == 0)
      self->close();
    return;
  }
  Exchange* exchange = self->exchange_.get();
  if (exchange != nullptr && exchange->backend_read_paused && pending <= kOutputLow) {
    exchange->backend_read_paused = false;
    exchange->backend->stream().enable_reading(true);
    self->process_backend_input();
  }
}

void ClientSession::on_client_event(net::Stream&, short events, void* arg) noexcept {
  auto* self = static_cast<ClientSession*>(arg);
  Guard guard(*self);
  if (!self->tls_ready_) {
    if (events & net::kStreamConnected) {
      self->tls_ready_ = true;
      self->worker_.observer().on_tls_handshake(self->listener_->name, true);
      return;
    }
    self->worker_.observer().on_tls_handshake(self->listener_->name, false);
    self->close();
    return;
  }
  if (events & net::kStreamConnected)
    return;
  if (self->exchange_) {
    bool timeout = events & net::kStreamTimeout;
    self->abort_exchange(timeout ? "client_timeout" : "client_closed");
  }
  self->close();
}

void ClientSession::abort_exchange(std::string_view error) {
  Exchange& exchange = *exchange_;
  if (exchange.error.empty())
    exchange.error = error;
  if (exchange.backend != nullptr)
    release_backend(false);
  if (!exchange.response_complete) {
    exchange.closing = true;
  }
  finish_exchange();
  exchange_.reset();
}

void ClientSession::begin_drain() {
  Guard guard(*this);
  draining_ = true;
  if (!exchange_ && decoder_.idle() && !close_after_flush_) {
    close();
    return;
  }
  if (exchange_) {
    exchange_->closing = true;
    if (exchange_->parked)
      answer_parked_for_drain();
  }
}

void ClientSession::terminate() {
  Guard guard(*this);
  if (exchange_)
    abort_exchange("drain_timeout");
  close();
}

void ClientSession::answer_parked_for_drain() {
  Exchange& exchange = *exchange_;
  auto waited = std::chrono::steady_clock::now() - exchange.parked_since;
  if (waited >= kParkedGrace) {
    exchange.error = "draining";
    send_local_reply({503, "draining", "the gateway is restarting; poll again", "", "", 0}, true);
    return;
  }
  if (!exchange.drain_timer)
    exchange.drain_timer.reset(evtimer_new(worker_.base(), &ClientSession::on_drain_timer, this));
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(kParkedGrace - waited);
  timeval timeout = to_timeval(remaining);
  evtimer_add(exchange.drain_timer.get(), &timeout);
}

void ClientSession::on_drain_timer(evutil_socket_t, short, void* arg) noexcept {
  auto* self = static_cast<ClientSession*>(arg);
  Guard guard(*self);
  if (self->exchange_ && self->exchange_->parked)
    self->answer_parked_for_drain();
}

} // namespace stgw::proxy
