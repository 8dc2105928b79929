#include "loadtest/stps_sim/response.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <fmt/format.h>

#include <string>

#include "loadtest/stps_sim/text_util.h"
#include "loadtest/stps_sim/worker.h"

namespace stgw::stps_sim {

bool is_head(evhttp_request* req) {
  return evhttp_request_get_command(req) == EVHTTP_REQ_HEAD;
}

void add_common_headers(Worker& worker, evhttp_request* req) {
  evhttp_add_header(evhttp_request_get_output_headers(req), "X-Stps-Clone",
                    worker.options().clone_id.c_str());
}

void reply(Worker& worker, evhttp_request* req, int code, std::string_view content_type,
           std::string_view body) {
  evkeyvalq* headers = evhttp_request_get_output_headers(req);
  add_common_headers(worker, req);
  bool bodiless_status = code == 204 || code == 304;
  if (!bodiless_status) {
    std::string type(content_type);
    evhttp_add_header(headers, "Content-Type", type.c_str());
  }
  if (is_head(req) && !bodiless_status) {
    // A HEAD reply may already carry the length of the body it stands for (/download).
    if (evhttp_find_header(headers, "Content-Length") == nullptr)
      evhttp_add_header(headers, "Content-Length", fmt::format("{}", body.size()).c_str());
  } else if (!bodiless_status) {
    evbuffer_add(evhttp_request_get_output_buffer(req), body.data(), body.size());
  }
  evhttp_send_reply(req, code, nullptr, nullptr);
}

void reply_error(Worker& worker, evhttp_request* req, int code, std::string_view error,
                 std::string_view detail) {
  std::string body = "{\"error\":";
  append_json_string(body, error);
  fmt::format_to(std::back_inserter(body), ",\"code\":{}", code);
  if (!detail.empty()) {
    body += ",\"detail\":";
    append_json_string(body, detail);
  }
  body += '}';
  reply(worker, req, code, kJson, body);
}

} // namespace stgw::stps_sim
