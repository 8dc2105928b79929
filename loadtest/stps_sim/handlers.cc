#include "loadtest/stps_sim/handlers.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loadtest/stps_sim/operations.h"
#include "loadtest/stps_sim/options.h"
#include "loadtest/stps_sim/response.h"
#include "loadtest/stps_sim/text_util.h"
#include "loadtest/stps_sim/worker.h"

namespace stgw::stps_sim {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr std::uint64_t kMaxDownloadBytes = std::uint64_t{1} << 40;
constexpr std::uint64_t kMaxAbortBytes = std::uint64_t{1} << 30;
constexpr std::uint64_t kMaxChunks = 100000;
constexpr std::uint64_t kMaxDelayMs = 3600 * 1000;
constexpr microseconds kMaxHold = std::chrono::hours(1);

// The decoded query string of a request, freed with the object.
class QueryArgs {
public:
  explicit QueryArgs(evhttp_request* req) {
    args_.tqh_first = nullptr;
    args_.tqh_last = &args_.tqh_first;
    const char* query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    ok_ = query == nullptr || evhttp_parse_query_str(query, &args_) == 0;
  }
  ~QueryArgs() { evhttp_clear_headers(&args_); }
  QueryArgs(const QueryArgs&) = delete;
  QueryArgs& operator=(const QueryArgs&) = delete;

  bool ok() const { return ok_; }
  std::optional<std::string_view> get(const char* name) const {
    const char* value = evhttp_find_header(&args_, name);
    if (value == nullptr)
      return std::nullopt;
    return std::string_view(value);
  }

private:
  mutable evkeyvalq args_;
  bool ok_ = false;
};

std::string_view method_name(evhttp_request* req) {
  switch (evhttp_request_get_command(req)) {
    case EVHTTP_REQ_GET:
      return "GET";
    case EVHTTP_REQ_POST:
      return "POST";
    case EVHTTP_REQ_HEAD:
      return "HEAD";
    case EVHTTP_REQ_PUT:
      return "PUT";
    case EVHTTP_REQ_DELETE:
      return "DELETE";
    case EVHTTP_REQ_OPTIONS:
      return "OPTIONS";
    case EVHTTP_REQ_TRACE:
      return "TRACE";
    case EVHTTP_REQ_CONNECT:
      return "CONNECT";
    case EVHTTP_REQ_PATCH:
      return "PATCH";
  }
  return "UNKNOWN";
}

bool is_get_or_head(evhttp_request* req) {
  auto cmd = evhttp_request_get_command(req);
  return cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD;
}

void method_not_allowed(Worker& w, evhttp_request* req, const char* allow) {
  evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
  reply_error(w, req, 405, "method_not_allowed");
}

// Reads an optional integer query parameter; answers 400 itself and returns nullopt when the
// value is present but bad.
std::optional<std::uint64_t> uint_param(Worker& w, evhttp_request* req, const QueryArgs& args,
                                        const char* name, std::uint64_t fallback,
                                        std::uint64_t max) {
  auto text = args.get(name);
  if (!text)
    return fallback;
  auto value = parse_uint(*text, 0, max);
  if (!value) {
    reply_error(w, req, 400, "bad_request", fmt::format("{}: {}", name, value.error().detail));
    return std::nullopt;
  }
  return *value;
}

// Runs |fn(args)| when the query string parses, else answers 400.
template <typename Fn> void with_query(Worker& w, evhttp_request* req, Fn&& fn) {
  QueryArgs args(req);
  if (!args.ok())
    return reply_error(w, req, 400, "bad_request", "malformed query string");
  fn(args);
}

bool has_ltpa(evhttp_request* req) {
  const evkeyvalq* headers = evhttp_request_get_input_headers(req);
  for (const evkeyval* h = headers->tqh_first; h != nullptr; h = h->next.tqe_next) {
    if (evutil_ascii_strcasecmp(h->key, "Cookie") == 0 && has_ltpa_cookie(h->value))
      return true;
  }
  return false;
}

// [A-Za-z0-9_-]; session ids only need to be unique, not unguessable, in a test stand-in.
std::string random_token(Worker& w, std::size_t length) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  std::string out;
  out.reserve(length);
  while (out.size() < length) {
    std::uint64_t bits = w.random()();
    for (int i = 0; i < 10 && out.size() < length; ++i, bits >>= 6)
      out += kAlphabet[bits & 63];
  }
  return out;
}

void handle_connect(Worker& w, evhttp_request* req) {
  auto cmd = evhttp_request_get_command(req);
  if (cmd == EVHTTP_REQ_DELETE)
    return reply(w, req, 200, kJson, "{\"logout\":true}");
  if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_POST) {
    return method_not_allowed(w, req, "GET, POST, DELETE");
  }
  if (!has_ltpa(req))
    return reply_error(w, req, 401, "unauthorized");
  with_query(w, req, [&](const QueryArgs& args) {
    std::optional<std::string_view> user;
    if (const char* h = evhttp_find_header(evhttp_request_get_input_headers(req),
                                           w.options().user_header.c_str())) {
      user = h;
    } else {
      user = args.get("username");
    }
    std::string sid = "0000" + random_token(w, 23);
    std::string body = "{\"sid\":";
    append_json_string(body, sid);
    body += ",\"user\":";
    if (user) {
      append_json_string(body, *user);
    } else {
      body += "null";
    }
    body += ",\"clone_id\":";
    append_json_string(body, w.options().clone_id);
    body += ",\"rtc4webNonce\":";
    append_json_string(body, random_token(w, 16));
    body += '}';
    std::string cookie =
        fmt::format("JSESSIONID={}:{}; Path=/; HttpOnly", sid, w.options().clone_id);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", cookie.c_str());
    evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
    reply(w, req, 200, kJson, body);
  });
}

void handle_poll(Worker& w, evhttp_request* req) {
  with_query(w, req, [&](const QueryArgs& args) {
    microseconds hold = w.options().poll_hold;
    if (auto text = args.get("hold")) {
      auto parsed = parse_seconds_or_duration(*text);
      if (!parsed || *parsed > kMaxHold) {
        return reply_error(w, req, 400, "bad_request",
                           "hold: seconds (e.g. 30 or 0.2), at most 3600");
      }
      hold = *parsed;
    }
    start_timed_reply(w, req, hold, "{\"events\":[]}", true);
  });
}

void handle_presence(Worker& w, evhttp_request* req) {
  with_query(w, req, [&](const QueryArgs& args) {
    auto user = args.get("user");
    if (!user || user->empty())
      return reply_error(w, req, 400, "bad_request", "user is required");
    std::string body = "{\"user\":";
    append_json_string(body, *user);
    body += ",\"status\":\"available\"}";
    reply(w, req, 200, kJson, body);
  });
}

std::string sha256_hex(evbuffer* buf) {
  std::string out;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx);
    return out;
  }
  int n = evbuffer_peek(buf, -1, nullptr, nullptr, 0);
  std::vector<evbuffer_iovec> vec(n > 0 ? static_cast<std::size_t>(n) : 0);
  if (n > 0)
    evbuffer_peek(buf, -1, nullptr, vec.data(), n);
  for (const auto& v : vec)
    EVP_DigestUpdate(ctx, v.iov_base, v.iov_len);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  for (unsigned i = 0; i < len; ++i)
    fmt::format_to(std::back_inserter(out), "{:02x}", digest[i]);
  return out;
}

// Header fields grouped by name exactly as received (no case folding), in first-seen order.
void append_headers(std::string& out, evhttp_request* req) {
  std::vector<std::pair<std::string_view, std::vector<std::string_view>>> groups;
  const evkeyvalq* headers = evhttp_request_get_input_headers(req);
  for (const evkeyval* h = headers->tqh_first; h != nullptr; h = h->next.tqe_next) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.first == h->key; });
    if (it == groups.end()) {
      groups.emplace_back(h->key, std::vector<std::string_view>{h->value});
    } else {
      it->second.emplace_back(h->value);
    }
  }
  out += '{';
  for (std::size_t i = 0; i < groups.size(); ++i) {
    if (i > 0)
      out += ',';
    append_json_string(out, groups[i].first);
    out += ":[";
    for (std::size_t j = 0; j < groups[i].second.size(); ++j) {
      if (j > 0)
        out += ',';
      append_json_string(out, groups[i].second[j]);
    }
    out += ']';
  }
  out += '}';
}

// Describes the request as received.  evhttp has already read the whole body into memory
// (libevent 2.1 offers no server-side hook to stream it), so the body is counted and hashed
// there and then dropped.
void handle_echo(Worker& w, evhttp_request* req) {
  Connection& conn = w.connection_of(req);
  evbuffer* body = evhttp_request_get_input_buffer(req);
  std::string out;
  out.reserve(1024);
  out += "{\"method\":";
  append_json_string(out, method_name(req));
  out += ",\"target\":";
  append_json_string(out, evhttp_request_get_uri(req));
  fmt::format_to(std::back_inserter(out),
                 ",\"http_version\":\"{}.{}\",\"headers\":", static_cast<int>(req->major),
                 static_cast<int>(req->minor));
  append_headers(out, req);
  fmt::format_to(std::back_inserter(out), ",\"body_bytes\":{},\"body_sha256\":\"{}\"",
                 evbuffer_get_length(body), sha256_hex(body));
  evbuffer_drain(body, evbuffer_get_length(body));
  out += ",\"clone_id\":";
  append_json_string(out, w.options().clone_id);
  char* peer_host = nullptr;
  ev_uint16_t peer_port = 0;
  evhttp_connection_get_peer(conn.evcon, &peer_host, &peer_port);
  fmt::format_to(std::back_inserter(out), ",\"connection_id\":{},\"peer\":", conn.id);
  append_json_string(out, fmt::format("{}:{}", peer_host != nullptr ? peer_host : "", peer_port));
  out += '}';
  reply(w, req, 200, kJson, out);
}

void handle_stats(Worker& w, evhttp_request* req) {
  Totals t = w.shared().totals();
  std::string body = fmt::format(
      "{{\"connections_accepted\":{},\"requests\":{},\"open_connections\":{},\"held_polls\":{},"
      "\"threads\":{},\"clone_id\":",
      t.connections_accepted, t.requests, t.open_connections, t.held_polls, w.options().threads);
  append_json_string(body, w.options().clone_id);
  body += '}';
  evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
  reply(w, req, 200, kJson, body);
}

void handle_status(Worker& w, evhttp_request* req) {
  with_query(w, req, [&](const QueryArgs& args) {
    auto text = args.get("code");
    std::expected<std::uint64_t, OptionError> code = std::unexpected(OptionError{});
    if (text)
      code = parse_uint(*text, 200, 599);
    if (!code)
      return reply_error(w, req, 400, "bad_request", "code: a status from 200 to 599");
    reply(w, req, static_cast<int>(*code), kJson, fmt::format("{{\"status\":{}}}", *code));
  });
}

void handle_download(Worker& w, evhttp_request* req) {
  with_query(w, req, [&](const QueryArgs& args) {
    if (auto bytes = uint_param(w, req, args, "bytes", 0, kMaxDownloadBytes)) {
      start_download(w, req, *bytes);
    }
  });
}

void handle_stream(Worker& w, evhttp_request* req) {
  with_query(w, req, [&](const QueryArgs& args) {
    auto chunks = uint_param(w, req, args, "chunks", 3, kMaxChunks);
    if (!chunks)
      return;
    auto interval = uint_param(w, req, args, "interval_ms", 100, kMaxDelayMs);
    if (!interval)
      return;
    start_stream(w, req, *chunks, milliseconds(*interval));
  });
}

void handle_abort(Worker& w, evhttp_request* req) {
  with_query(w, req, [&](const QueryArgs& args) {
    if (auto after = uint_param(w, req, args, "after", 0, kMaxAbortBytes)) {
      start_abort(w, req, *after);
    }
  });
}

void handle_slow_head(Worker& w, evhttp_request* req) {
  with_query(w, req, [&](const QueryArgs& args) {
    if (auto delay = uint_param(w, req, args, "delay_ms", 0, kMaxDelayMs)) {
      start_timed_reply(w, req, milliseconds(*delay), fmt::format("{{\"delayed_ms\":{}}}", *delay),
                        false);
    }
  });
}

// Small fixed bodies; a request path is never echoed into HTML.
std::string_view static_body(std::string_view content_type) {
  static constexpr unsigned char kPng[] = {
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
      0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
      0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
      0x9c, 0x63, 0x60, 0x00, 0x02, 0x00, 0x00, 0x05, 0x00, 0x01, 0xe9, 0xfa, 0xdc, 0xd8,
      0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
  if (content_type.starts_with("application/javascript")) {
    return "/* stps-sim stand-in for the Sametime web client toolkit */\n"
           "window.stproxy = window.stproxy || { simulated: true };\n";
  }
  if (content_type.starts_with("text/css")) {
    return "/* stps-sim stand-in stylesheet */\n.stps-sim { display: none; }\n";
  }
  if (content_type.starts_with("text/html")) {
    return "<!DOCTYPE html>\n<html><head><title>Sametime (stps-sim)</title></head>"
           "<body><p>stps-sim: Sametime Proxy Server stand-in</p></body></html>\n";
  }
  if (content_type == "image/png") {
    return std::string_view(reinterpret_cast<const char*>(kPng), sizeof(kPng));
  }
  return "stps-sim static content\n";
}

void handle_static(Worker& w, evhttp_request* req, std::string_view path) {
  if (!is_get_or_head(req))
    return method_not_allowed(w, req, "GET, HEAD");
  std::string_view type = content_type_for(path);
  reply(w, req, 200, type, static_body(type));
}

} // namespace

void handle_request(Worker& w, evhttp_request* req) {
  const char* raw_path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
  std::string_view path = raw_path != nullptr ? raw_path : "";

  if (path.starts_with("/echo"))
    return handle_echo(w, req);
  if (path == "/stwebapi/poll" || path.starts_with("/stwebapi/RTCServlet")) {
    return handle_poll(w, req);
  }
  if (path == "/stwebapi/presence")
    return handle_presence(w, req);
  if (path == "/stwebapi/user/connect")
    return handle_connect(w, req);
  if (path == "/stbaseapi/baseComps.js" || path == "/stwebclient" ||
      path.starts_with("/stwebclient/")) {
    return handle_static(w, req, path);
  }
  if (path == "/")
    return handle_static(w, req, "/index.html");
  if (path == "/stats")
    return handle_stats(w, req);
  if (path == "/download")
    return handle_download(w, req);
  if (path == "/stream")
    return handle_stream(w, req);
  if (path == "/abort")
    return handle_abort(w, req);
  if (path == "/status")
    return handle_status(w, req);
  if (path == "/slow-head")
    return handle_slow_head(w, req);
  reply_error(w, req, 404, "not_found");
}

} // namespace stgw::stps_sim
