#include "gateway/server/admin_server.h"

#include <cerrno>
#include <cstring>
#include <string_view>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include "gateway/server/access_log.h"

namespace stgw::server {
namespace {

// An admin request is one short line and a few headers; anything bigger is not a scraper.
constexpr ev_ssize_t kMaxHeaderBytes = 8 * 1024;
constexpr ev_ssize_t kMaxBodyBytes = 1024;
constexpr int kTimeoutSeconds = 10;
// Methods evhttp passes to us (the rest get its 501) so that a POST to a known path gets 405.
constexpr ev_uint16_t kPassedMethods = EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                       EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                       EVHTTP_REQ_PATCH;

std::uint16_t bound_port(evhttp_bound_socket* socket) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (getsockname(evhttp_bound_socket_get_fd(socket), reinterpret_cast<sockaddr*>(&address),
                  &length) != 0)
    return 0;
  if (address.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
}

void reply(evhttp_request* request, int status, const char* reason, std::string_view content_type,
           std::string_view body) {
  evkeyvalq* headers = evhttp_request_get_output_headers(request);
  evhttp_add_header(headers, "Content-Type", std::string(content_type).c_str());
  evhttp_add_header(headers, "Cache-Control", "no-store");
  evbuffer* buffer = evbuffer_new();
  if (buffer == nullptr) {
    evhttp_send_error(request, 500, "Internal Server Error");
    return;
  }
  // evhttp 2.1 would send a HEAD reply's body; the headers alone are the answer.
  if (evhttp_request_get_command(request) != EVHTTP_REQ_HEAD)
    evbuffer_add(buffer, body.data(), body.size());
  evhttp_send_reply(request, status, reason, buffer);
  evbuffer_free(buffer);
}

std::string_view path_of(evhttp_request* request) {
  const char* uri = evhttp_request_get_uri(request);
  std::string_view path = uri != nullptr ? uri : "";
  return path.substr(0, path.find('?'));
}

} // namespace

void AdminServer::EvhttpDeleter::operator()(evhttp* http) const {
  evhttp_free(http);
}

std::expected<std::unique_ptr<AdminServer>, std::string>
AdminServer::start(event_base* base, const config::HostPort& address, AdminCallbacks callbacks) {
  std::unique_ptr<AdminServer> server(new AdminServer(std::move(callbacks)));
  server->http_.reset(evhttp_new(base));
  if (!server->http_)
    return std::unexpected("admin listener: cannot create the HTTP server");
  evhttp* http = server->http_.get();
  evhttp_set_max_headers_size(http, kMaxHeaderBytes);
  evhttp_set_max_body_size(http, kMaxBodyBytes);
  evhttp_set_timeout(http, kTimeoutSeconds);
  evhttp_set_allowed_methods(http, kPassedMethods);
  evhttp_set_gencb(http, &AdminServer::on_request, server.get());
  std::string host = address.host.empty() ? "0.0.0.0" : address.host;
  errno = 0;
  evhttp_bound_socket* socket = evhttp_bind_socket_with_handle(http, host.c_str(), address.port);
  if (socket == nullptr) {
    int saved = errno;
    return std::unexpected(fmt::format("admin listener {}: cannot listen: {}", address.to_string(),
                                       saved != 0 ? std::strerror(saved) : "bad address"));
  }
  server->port_ = bound_port(socket);
  return server;
}

AdminServer::~AdminServer() = default;

void AdminServer::on_request(evhttp_request* request, void* arg) noexcept {
  try {
    static_cast<AdminServer*>(arg)->handle(request);
  } catch (...) {
    // Out of memory or a throwing callback: a scrape failing is better than the gateway failing.
    evhttp_send_error(request, 500, "Internal Server Error");
  }
}

void AdminServer::handle(evhttp_request* request) {
  std::string_view path = path_of(request);
  bool known = path == "/metrics" || path == "/healthz" || path == "/readyz";
  if (!known) {
    reply(request, 404, "Not Found", "text/plain; charset=utf-8", "not found\n");
    return;
  }
  auto method = evhttp_request_get_command(request);
  if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD) {
    evhttp_add_header(evhttp_request_get_output_headers(request), "Allow", "GET, HEAD");
    reply(request, 405, "Method Not Allowed", "text/plain; charset=utf-8", "method not allowed\n");
    return;
  }
  if (path == "/metrics") {
    std::string body = callbacks_.metrics ? callbacks_.metrics() : std::string();
    reply(request, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", body);
  } else if (path == "/healthz") {
    reply(request, 200, "OK", "text/plain; charset=utf-8", "ok\n");
  } else {
    auto reason = callbacks_.not_ready_reason ? callbacks_.not_ready_reason() : std::nullopt;
    if (!reason) {
      reply(request, 200, "OK", "application/json", "{\"ready\":true}\n");
      return;
    }
    std::string body = "{\"ready\":false,\"reason\":";
    append_json_string(body, *reason);
    body += "}\n";
    reply(request, 503, "Service Unavailable", "application/json", body);
  }
}

} // namespace stgw::server
