#pragma once

// One client connection (a session) and the exchange it is running. Requests on a connection
// are handled one at a time: a pipelined request waits in the input buffer until the response
// before it is complete, which answers pipelined requests in order.
//
// A session is a state machine driven by libevent callbacks on its worker's thread. It deletes
// itself when it ends, but only when no callback of its own is on the stack (see Guard).

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "gateway/http/http1_codec.h"
#include "gateway/net/address.h"
#include "gateway/net/handles.h"
#include "gateway/net/stream.h"
#include "gateway/policy/connection_budget.h"
#include "gateway/proxy/backend_pool.h"
#include "gateway/proxy/local_reply.h"
#include "gateway/proxy/worker_context.h"

namespace stgw::proxy {

using ClientSlot = std::unique_ptr<policy::ConnectionBudget::ClientSlot>;
using UserSlot = std::unique_ptr<policy::ConnectionBudget::UserSlot>;

// The state of one request/response pair.
struct Exchange {
  static constexpr std::uint32_t kNoServer = UINT32_MAX;
  std::shared_ptr<Generation> generation;
  http::RequestHead request; // cleaned for the backend once it is sent (clean_request)
  const config::RouteConfig* route = nullptr;
  BackendPool* pool = nullptr;
  BackendConnection* backend = nullptr;

  std::chrono::steady_clock::time_point start;
  std::chrono::steady_clock::time_point parked_since;

  bool cleaned = false;           // clean_request() ran; a retry sends the same head again
  bool request_complete = false;  // every request byte received from the client
  bool response_started = false;  // the response head went to the client
  bool response_complete = false; // the response decoder finished the message
  bool parked = false;            // waiting for the response head
  bool was_parked = false;
  bool parked_state_released = false; // see ClientSession::release_parked_state()
  bool closing = false;               // the client connection closes after this response
  bool backend_read_paused = false;
  bool retried = false;
  bool recorded = false;        // reported to the observer
  bool closing_backend = false; // the backend said Connection: close
  http::BodyKind response_framing = http::BodyKind::None;
  int status = 0;
  std::uint32_t server = kNoServer; // the pool's server last used, for logs
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::string_view error;
  std::string user;
  std::string_view token_format;
  std::string_view auth_result;
  net::EventPtr drain_timer; // answers a parked poll during drain
  UserSlot parked_slot;      // per-user parked-poll budget
};

class ClientSession final : public http::RequestDecoderCallbacks,
                            public http::ResponseDecoderCallbacks,
                            public BackendConnectionOwner {
public:
  // Takes ownership of |fd|.
  static void start(WorkerContext& worker, std::shared_ptr<const ListenerInfo> listener, int fd,
                    const net::SocketAddress& peer, ClientSlot slot);
  ~ClientSession() override;

  // Called by WorkerContext::begin_drain().
  void begin_drain();
  // Ends the session now (drain deadline): the exchange is aborted, the connection closed.
  void terminate();
  // For WorkerContext's sweep: releases a poll's parked state once it has been parked since
  // |cutoff| or earlier; true while it is parked but more recently (to be swept again).
  bool release_if_parked_before(std::chrono::steady_clock::time_point cutoff);

  ClientSession* next_ = nullptr; // WorkerContext registry links
  ClientSession* prev_ = nullptr;

private:
  ClientSession(WorkerContext& worker, std::shared_ptr<const ListenerInfo> listener,
                std::unique_ptr<net::Stream> stream, const net::SocketAddress& peer,
                ClientSlot slot);

  // Keeps the session alive while one of its callbacks runs; the last guard out deletes a
  // session that was closed meanwhile.
  class Guard {
  public:
    explicit Guard(ClientSession& session) : session_(session) { ++session_.depth_; }
    ~Guard();

  private:
    ClientSession& session_;
  };

  // Client side (client_session.cc).
  static void on_client_read(net::Stream&, void* arg) noexcept;
  static void on_client_write(net::Stream&, void* arg) noexcept;
  static void on_client_event(net::Stream&, short events, void* arg) noexcept;
  static void on_header_timeout(evutil_socket_t, short, void* arg) noexcept;
  static void on_drain_timer(evutil_socket_t, short, void* arg) noexcept;
  void process_input();
  void on_request_head(http::RequestHead&& head) override;
  void on_request_body(std::string_view data) override;
  void on_request_complete() override;
  void start_exchange(http::RequestHead&& head);
  bool authorize(Exchange& exchange);
  bool admit_user(Exchange& exchange);
  bool admit_parked(Exchange& exchange);
  void reject_over_budget(policy::Rejection rejection);
  void connect_backend(Exchange& exchange);
  void send_local_reply(const LocalReply& reply, bool close);
  void finish_exchange();
  void after_exchange();
  void set_parked(bool parked);
  void arm_header_timer();
  void close();
  // Closes once everything queued for the client is written (write timeout still applies).
  void close_after_flush();
  void abort_exchange(std::string_view error);
  void write_client(std::string_view bytes);
  bool client_output_full() const;
  void client_idle_timeouts();

  // Backend side (client_session_backend.cc).
  void on_backend_connected(BackendConnection& connection) override;
  void on_backend_readable(BackendConnection& connection) override;
  void on_backend_drained(BackendConnection& connection) override;
  void on_backend_event(BackendConnection& connection, short events) override;
  void process_backend_input();
  void on_informational(http::ResponseHead&& head) override;
  void on_response_head(http::ResponseHead&& head) override;
  void on_response_body(std::string_view data) override;
  void on_response_complete() override;
  void send_request_head(Exchange& exchange);
  http::ResponseDecoder& response_decoder();
  void release_parked_state();
  void write_backend(std::string_view bytes);
  void release_backend(bool reusable);
  void on_backend_failure(short events);
  bool retry_on_fresh_connection();
  void answer_parked_for_drain();

  WorkerContext& worker_;
  std::shared_ptr<const ListenerInfo> listener_;
  std::unique_ptr<net::Stream> stream_;
  std::string peer_ip_;
  ClientSlot slot_;    // global and per-address budget
  UserSlot user_slot_; // per-user budget, once a verified identity is seen
  http::RequestDecoder decoder_;
  std::unique_ptr<Exchange> exchange_;
  // Reused by every exchange of this session (one response at a time); freed while a poll
  // waits and built again when the backend answers.
  std::unique_ptr<http::ResponseDecoder> response_decoder_;
  net::EventPtr header_timer_;
  std::uint16_t depth_ = 0; // nested Guards
  bool closed_ = false;
  bool close_after_flush_ = false;
  bool tls_ready_ = false;
  bool draining_ = false;
  bool response_expected_ = false; // start_response() is due before the next feed
};

} // namespace stgw::proxy
