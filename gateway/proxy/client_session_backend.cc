// The backend half of ClientSession: sending the request, streaming the response back, and
// what happens when the backend fails.

#include "gateway/proxy/client_session.h"
#include "gateway/proxy/header_rewrite.h"

namespace stgw::proxy {
namespace {

constexpr std::size_t kOutputHigh = 256 * 1024;

} // namespace

void ClientSession::send_request_head(Exchange& exchange) {
  exchange.server = static_cast<std::uint32_t>(exchange.backend->server());
  const auto& config = exchange.generation->config();
  ForwardingFacts facts;
  facts.client_ip = peer_ip_;
  facts.secure = static_cast<bool>(listener_->tls);
  facts.listener_port = listener_->port;
  facts.identity_header = config.sso ? std::string_view(config.sso->identity_header) : "";
  facts.identity = exchange.user;
  facts.backend_host = exchange.backend->server_name();
  if (!exchange.cleaned) {
    // Cleaned in place, once: what logs need (method, target path, Host, Origin, Referer)
    // survives, and a retry sends the same head again.
    clean_request(exchange.request, facts);
    exchange.cleaned = true;
  }
  std::string& scratch = worker_.scratch();
  serialize_for_backend(exchange.request, facts, scratch);
  write_backend(scratch);
  exchange.backend->count_request();
  response_expected_ = true;
}

http::ResponseDecoder& ClientSession::response_decoder() {
  if (!response_decoder_)
    response_decoder_ = std::make_unique<http::ResponseDecoder>(*this);
  if (response_expected_) {
    response_decoder_->start_response(exchange_->request.method == "HEAD");
    response_expected_ = false;
  }
  return *response_decoder_;
}

bool ClientSession::release_if_parked_before(std::chrono::steady_clock::time_point cutoff) {
  if (closed_ || !exchange_ || !exchange_->parked || exchange_->parked_state_released)
    return false;
  if (exchange_->parked_since > cutoff)
    return true;
  release_parked_state();
  return false;
}

// A parked poll keeps only what its response needs: no buffers, no decoders (they are built
// again on demand), no spare capacity in the request head. Done once the poll has waited a
// while (WorkerContext's sweep), not for every request: one answered within that time keeps
// them for the next request on the connection. Called outside every callback.
void ClientSession::release_parked_state() {
  Exchange& exchange = *exchange_;
  if (exchange.parked_state_released)
    return;
  exchange.parked_state_released = true;
  decoder_.release_while_complete();
  if (response_expected_)
    response_decoder_.reset();
  exchange.request.headers.compact();
  exchange.request.target.shrink_to_fit();
  stream_->release_buffers();
  if (exchange.backend != nullptr)
    exchange.backend->stream().release_buffers();
}

void ClientSession::write_backend(std::string_view bytes) {
  exchange_->backend->stream().write(bytes);
}

void ClientSession::release_backend(bool reusable) {
  Exchange& exchange = *exchange_;
  exchange.pool->release(exchange.backend, reusable);
  exchange.backend = nullptr;
}

void ClientSession::on_backend_connected(BackendConnection&) {}

void ClientSession::on_backend_readable(BackendConnection&) {
  Guard guard(*this);
  process_backend_input();
}

void ClientSession::process_backend_input() {
  if (!exchange_ || exchange_->backend == nullptr)
    return;
  while (!closed_ && exchange_ && exchange_->backend != nullptr) {
    Exchange& exchange = *exchange_;
    if (client_output_full()) {
      // The client reads slower than the backend sends: stop reading the backend until the
      // client's buffer drains (on_client_write resumes).
      exchange.backend_read_paused = true;
      exchange.backend->stream().enable_reading(false);
      return;
    }
    net::Stream& backend = exchange.backend->stream();
    std::string_view input = backend.input();
    if (input.empty())
      return;
    auto used = response_decoder().feed(input);
    if (!used) {
      worker_.observer().on_backend_error(exchange.pool->config().name,
                                          exchange.backend->server_name(),
                                          BackendErrorKind::Protocol);
      exchange.error = "backend_protocol_error";
      if (exchange.response_started) {
        release_backend(false);
        abort_exchange("backend_protocol_error");
        close_after_flush();
      } else {
        send_local_reply({502, "backend_protocol_error", "the backend sent a malformed response"},
                         true);
      }
      return;
    }
    backend.consume(*used);
    if (exchange.response_complete) {
      // Extra bytes after a complete response mean the connection cannot be trusted again.
      bool reusable =
          exchange.request_complete && backend.input().empty() && !exchange.closing_backend;
      release_backend(reusable);
      after_exchange();
      if (!closed_ && !close_after_flush_)
        process_input();
      return;
    }
    if (*used == 0)
      return; // need more bytes for the head
  }
}

void ClientSession::on_informational(http::ResponseHead&& head) {
  // 100 Continue is answered by the gateway itself; other 1xx go to HTTP/1.1 clients.
  if (head.status == 100 || exchange_->request.version_minor == 0)
    return;
  std::string& scratch = worker_.scratch();
  http::serialize_response_head(head, scratch);
  write_client(scratch);
}

void ClientSession::on_response_head(http::ResponseHead&& head) {
  Exchange& exchange = *exchange_;
  if (exchange.parked)
    set_parked(false);
  exchange.status = head.status;
  exchange.closing_backend = !head.keep_alive;
  // A client whose request body is not fully read cannot safely send another request.
  exchange.closing =
      exchange.closing || !exchange.request_complete || draining_ || worker_.draining();
  exchange.response_framing = rewrite_response(head, exchange.request.version_minor,
                                               exchange.closing, exchange.request.method == "HEAD");
  if (exchange.response_framing == http::BodyKind::UntilClose)
    exchange.closing = true;
  std::string& scratch = worker_.scratch();
  http::serialize_response_head(head, scratch);
  write_client(scratch);
  response_decoder_->recycle(std::move(head)); // we are inside its callback: it only stores it
  exchange.response_started = true;
  exchange.backend->set_read_timeout(exchange.route->idle_timeout);
}

void ClientSession::on_response_body(std::string_view data) {
  Exchange& exchange = *exchange_;
  exchange.bytes_out += data.size();
  if (exchange.response_framing == http::BodyKind::Chunked) {
    std::string& scratch = worker_.scratch();
    http::serialize_chunk_header(data.size(), scratch);
    write_client(scratch);
    write_client(data);
    write_client(http::kChunkTrailer);
  } else {
    write_client(data);
  }
}

void ClientSession::on_response_complete() {
  Exchange& exchange = *exchange_;
  if (exchange.response_framing == http::BodyKind::Chunked)
    write_client(http::kLastChunk);
  exchange.response_complete = true;
}

void ClientSession::on_backend_drained(BackendConnection&) {
  Guard guard(*this);
  if (!exchange_ || exchange_->request_complete || closed_)
    return;
  if (exchange_->backend->stream().output_length() < kOutputHigh) {
    stream_->enable_reading(true);
    process_input();
  }
}

void ClientSession::on_backend_event(BackendConnection&, short events) {
  Guard guard(*this);
  if (!exchange_ || exchange_->backend == nullptr)
    return;
  on_backend_failure(events);
}

void ClientSession::on_backend_failure(short events) {
  Exchange& exchange = *exchange_;
  bool timeout = events & net::kStreamTimeout;
  bool eof = events & net::kStreamEof;
  if (eof && exchange.response_started) {
    // A close-delimited body ends here; anything else was cut short.
    process_backend_input();
    if (!exchange_ || exchange_->backend == nullptr)
      return;
    auto done = response_decoder().feed_eof();
    if (done && exchange.response_complete) {
      release_backend(false);
      after_exchange();
      return;
    }
  }
  bool connected = exchange.backend->connected();
  std::string_view server = exchange.backend->server_name(); // owned by the pool
  BackendErrorKind kind = timeout     ? BackendErrorKind::Timeout
                          : connected ? BackendErrorKind::Reset
                                      : BackendErrorKind::Connect;
  if (!exchange.response_started && !timeout && retry_on_fresh_connection())
    return;
  worker_.observer().on_backend_error(exchange.pool->config().name, server, kind);
  if (exchange.response_started) {
    // Part of the response is out: the only honest signal left is closing this client, once
    // what the backend did send has reached it (the short body tells the client it was cut).
    abort_exchange(timeout ? "backend_timeout" : "backend_reset");
    close_after_flush();
    return;
  }
  if (timeout && connected)
    send_local_reply({504, "backend_timeout", "the backend did not answer in time"}, true);
  else if (timeout)
    send_local_reply({502, "backend_connect_timeout", "the backend did not accept in time"}, true);
  else
    send_local_reply({502, "backend_unavailable", "the backend refused or reset the connection"},
                     true);
}

// A pooled keep-alive connection may have been closed by the backend just as we reused it.
// Retry once on a new connection when nothing of the response arrived and the request can be
// sent again (no body, or none of it streamed yet).
bool ClientSession::retry_on_fresh_connection() {
  Exchange& exchange = *exchange_;
  bool response_began = !response_expected_ && response_decoder_ && response_decoder_->started();
  if (exchange.retried || !exchange.backend->reused() || exchange.bytes_in > 0 || response_began)
    return false;
  exchange.retried = true;
  std::size_t server = exchange.backend->server();
  release_backend(false);
  exchange.backend = exchange.pool->acquire(server, *this);
  if (exchange.backend == nullptr)
    return false;
  send_request_head(exchange);
  if (exchange.request_complete) {
    if (exchange.request.body == http::BodyKind::Chunked)
      write_backend(http::kLastChunk);
    exchange.backend->set_read_timeout(exchange.route->timeout);
  }
  return true;
}

} // namespace stgw::proxy
