#pragma once

// Header hygiene between client and backend (DESIGN "Behaviour contracts"): what a client may
// not send on, what the gateway adds so that WebSphere builds https:// URLs behind TLS offload,
// and the framing headers each side needs.

#include <string_view>

#include "gateway/http/message.h"

namespace stgw::proxy {

struct ForwardingFacts {
  std::string_view client_ip;       // the peer address, no port
  bool secure = false;              // client connection is TLS
  int listener_port = 0;            // port the client connected to
  std::string_view identity_header; // e.g. "X-Sametime-User"; empty = none configured
  std::string_view identity;        // verified user; empty = anonymous
  std::string_view backend_host;    // "host:port" used when the client sent no Host
};

// Removes hop-by-hop headers (and those named in Connection), every client-sent $WS*, iv-*,
// X-Forwarded-*, Forwarded and the identity header, then adds X-Forwarded-For/Proto/Host,
// $WSRA/$WSIS/$WSSC/$WSSP/$WSSN and the identity. Turns an absolute-form target into origin form
// and drops Expect (the gateway answers 100-continue itself). Framing: Content-Length is kept
// for sized bodies, "Transfer-Encoding: chunked" added for chunked ones. Cookies, X-ST-CSRF-Token,
// Rtc4web-Nonce and unknown headers pass untouched.
void rewrite_request(http::RequestHead& head, const ForwardingFacts& facts);

// Removes hop-by-hop headers from a backend response and sets the framing the client gets:
// chunked for HTTP/1.1 clients when the length is unknown, Connection: close when |closing|.
// Returns the body framing to write towards the client.
http::BodyKind rewrite_response(http::ResponseHead& head, int client_version_minor, bool closing,
                                bool head_request);

} // namespace stgw::proxy
