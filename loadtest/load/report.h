#pragma once

// The final report of a run, as text for people or as one JSON object for scripts.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "loadtest/load/options.h"
#include "loadtest/load/stats.h"

namespace stgw::load {

struct RunSummary {
  const Options* options = nullptr;
  Tally tally;        // all threads merged
  double seconds = 0; // from the start to the last thread's end
  std::int64_t polls_parked_max = 0;
  int threads = 0;
};

// {"scenario", "url", "target", "threads", "connections"|"users", "rate", "duration_s",
//  "requests", "requests_per_s", "latency_ms": {min, mean, p50, p90, p99, p99_9, max},
//  "status": {"200": n, ...}, "errors": {"total": n, "<kind>": n, "status_<code>": n},
//  "connections_opened", "tls_handshakes", "bytes_received",
//  "awareness": {users, users_connected, users_parked, polls_parked_now, polls_parked_max,
//                polls_answered}}   (the last only for the awareness scenario)
nlohmann::json to_json(const RunSummary& summary);

std::string to_text(const RunSummary& summary);

// The per-second progress line (stderr).
std::string progress_line(double elapsed_s, std::uint64_t requests_in_second,
                          std::uint64_t requests_total, std::uint64_t errors,
                          std::int64_t open_connections, const Options& options,
                          std::int64_t users_connected, std::int64_t parked_now,
                          std::int64_t parked_max);

} // namespace stgw::load
