#pragma once

// Header hygiene between client and backend (DESIGN "Behaviour contracts"): what a client may
// not send on, what the gateway adds so that WebSphere builds https:// URLs behind TLS offload,
// and the framing headers each side needs.

#include <string>
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

// Cleans a client's request head in place, once: removes hop-by-hop headers (and those named
// in Connection), every client-sent $WS*, iv-*, X-Forwarded-*, Forwarded and the identity
// header, and Expect (the gateway answers 100-continue itself); turns an absolute-form target
// into origin form; adds Host when the client sent none. Cookies, X-ST-CSRF-Token,
// Rtc4web-Nonce and unknown headers pass untouched.
void clean_request(http::RequestHead& head, const ForwardingFacts& facts);

// Writes a cleaned head as the backend gets it: the client's fields, then the gateway's
// X-Forwarded-For/Proto/Host, $WSRA/$WSIS/$WSSC/$WSSP/$WSSN and the identity, and the framing
// (Content-Length is the client's; "Transfer-Encoding: chunked" is added for chunked bodies).
// The gateway's fields are written, never stored: a parked poll keeps only the client's.
void serialize_for_backend(const http::RequestHead& head, const ForwardingFacts& facts,
                           std::string& out);

// Removes hop-by-hop headers from a backend response and sets the framing the client gets:
// chunked for HTTP/1.1 clients when the length is unknown, Connection: close when |closing|.
// Returns the body framing to write towards the client.
http::BodyKind rewrite_response(http::ResponseHead& head, int client_version_minor, bool closing,
                                bool head_request);

} // namespace stgw::proxy
