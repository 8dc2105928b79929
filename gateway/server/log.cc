#include "gateway/server/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace stgw::server {

void write_log_line(std::string_view level, std::string_view message) {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  // One fprintf per line: stdio locks the stream, so lines from workers never interleave.
  std::fprintf(stderr, "%s.%03dZ %.*s %.*s\n", stamp, static_cast<int>(millis.count()),
               static_cast<int>(level.size()), level.data(), static_cast<int>(message.size()),
               message.data());
}

} // namespace stgw::server
