#pragma once

// What every worker thread shares, read-only once the threads start: the options, the resolved
// server address, the TLS client context, the prepared requests and the shared gauges.

#include <sys/socket.h>

#include <atomic>
#include <string>
#include <vector>

#include <openssl/ssl.h>

#include "loadtest/load/options.h"
#include "loadtest/load/schedule.h"
#include "loadtest/load/stats.h"

namespace stgw::load {

struct RunSetup {
  Options options;
  sockaddr_storage address{};
  socklen_t address_length = 0;
  SSL_CTX* tls = nullptr; // null for http://; owned by main
  // One Cookie header value per user (awareness) or connection (rps, handshake); empty = none.
  std::vector<std::string> cookies;
  Nanos start = 0; // when the run began (monotonic)
  Nanos end = 0;   // when it must stop
  SharedGauge parked;
  std::atomic<bool> stop{false}; // set by SIGINT/SIGTERM

  // The cookie of user or connection |index|; empty when none is configured.
  const std::string& cookie_for(std::uint64_t index) const;
};

// "GET target HTTP/1.1" with Host, User-Agent, the cookie when not empty, and the extra headers.
std::string build_request(const Options& options, std::string_view target, std::string_view cookie);

} // namespace stgw::load
