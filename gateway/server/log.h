#pragma once

// The gateway's own log lines (start-up, reload, errors) on stderr, one line each, prefixed with
// an ISO-8601 UTC time and a level. Exchanges go to the access log instead. Never pass secrets.

#include <string_view>

#include <fmt/format.h>

namespace stgw::server {

void write_log_line(std::string_view level, std::string_view message);

template <class... Args> void log_info(fmt::format_string<Args...> format, Args&&... args) {
  write_log_line("info", fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args> void log_warn(fmt::format_string<Args...> format, Args&&... args) {
  write_log_line("warn", fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args> void log_error(fmt::format_string<Args...> format, Args&&... args) {
  write_log_line("error", fmt::format(format, std::forward<Args>(args)...));
}

} // namespace stgw::server
