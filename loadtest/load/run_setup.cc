#include "loadtest/load/run_setup.h"

namespace stgw::load {

const std::string& RunSetup::cookie_for(std::uint64_t index) const {
  static const std::string none;
  if (cookies.empty())
    return none;
  return cookies[index % cookies.size()];
}

std::string build_request(const Options& options, std::string_view target,
                          std::string_view cookie) {
  std::string request;
  request.reserve(128 + target.size() + cookie.size());
  request.append("GET ").append(target).append(" HTTP/1.1\r\nHost: ");
  request.append(options.url.host_header).append("\r\nUser-Agent: stgw-load\r\n");
  if (!cookie.empty())
    request.append("Cookie: ").append(cookie).append("\r\n");
  for (const auto& header : options.headers)
    request.append(header).append("\r\n");
  request.append("\r\n");
  return request;
}

} // namespace stgw::load
