#include "gateway/proxy/local_reply.h"

#include "gateway/http/message.h"

#include <fmt/format.h>

namespace stgw::proxy {
namespace {

// Error codes and messages are ours (no client input), but reasons might not be: escape.
void append_json_string(std::string_view text, std::string& out) {
  out.push_back('"');
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
}

} // namespace

void serialize_local_reply(const LocalReply& reply, bool close, int version_minor,
                           bool head_request, std::string& out) {
  std::string body;
  body.reserve(96);
  body += "{\"error\":";
  append_json_string(reply.error, body);
  fmt::format_to(std::back_inserter(body), ",\"status\":{}", reply.status);
  if (!reply.reason.empty()) {
    body += ",\"reason\":";
    append_json_string(reply.reason, body);
  }
  if (!reply.message.empty()) {
    body += ",\"message\":";
    append_json_string(reply.message, body);
  }
  body += "}\n";
  fmt::format_to(std::back_inserter(out),
                 "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n"
                 "Cache-Control: no-store\r\n",
                 reply.status, http::reason_phrase(reply.status), body.size());
  if (!reply.location.empty())
    fmt::format_to(std::back_inserter(out), "Location: {}\r\n", reply.location);
  if (reply.retry_after >= 0)
    fmt::format_to(std::back_inserter(out), "Retry-After: {}\r\n", reply.retry_after);
  if (close)
    out += "Connection: close\r\n";
  else if (version_minor == 0)
    out += "Connection: keep-alive\r\n";
  out += "\r\n";
  if (!head_request)
    out += body;
}

} // namespace stgw::proxy
