#pragma once

#include <string_view>

struct evhttp_request;

namespace stgw::stps_sim {

class Worker;

inline constexpr std::string_view kJson = "application/json";

// Sends a complete response: Content-Type, X-Stps-Clone and |body|.  For HEAD it sends the
// Content-Length the body would have but no body; 204 and 304 go out without body or length
// (evhttp itself would append the body to a HEAD reply).
void reply(Worker& worker, evhttp_request* req, int code, std::string_view content_type,
           std::string_view body);

// 4xx/5xx with {"error": code_word, "code": N[, "detail": ...]}.
void reply_error(Worker& worker, evhttp_request* req, int code, std::string_view error,
                 std::string_view detail = {});

// Adds the headers every stps-sim response carries (X-Stps-Clone).
void add_common_headers(Worker& worker, evhttp_request* req);

bool is_head(evhttp_request* req);

} // namespace stgw::stps_sim
