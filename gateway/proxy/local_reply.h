#pragma once

// Replies the gateway writes itself: small JSON bodies with a stable "error" code.

#include <string>
#include <string_view>

namespace stgw::proxy {

struct LocalReply {
  int status = 500;
  std::string_view error;   // stable machine code, e.g. "no_route"
  std::string_view message; // one human sentence
  std::string_view reason;  // optional extra field (auth: missing|expired|invalid)
  std::string location;     // for 302
  int retry_after = -1;     // seconds; -1 = no Retry-After header
};

// Appends the whole response (head and body) to |out|. |close| adds "Connection: close";
// |version_minor| 0 adds "Connection: keep-alive" when not closing.
void serialize_local_reply(const LocalReply& reply, bool close, int version_minor,
                           bool head_request, std::string& out);

} // namespace stgw::proxy
