#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

struct evhttp_request;

namespace stgw::stps_sim {

class Worker;

// Long-lived responses.  Each start_* call either answers at once or hands an Operation to the
// request's connection (Worker::adopt), which cancels it if the client goes away first.

// Holds the request for |hold| and then answers 200 with |body| (JSON).  |is_poll| counts it in
// the held_polls gauge.  One libevent timer each: thousands held cost a few hundred bytes apiece.
void start_timed_reply(Worker& worker, evhttp_request* req, std::chrono::microseconds hold,
                       std::string body, bool is_poll);

// 200 with Content-Length |bytes|, written in 256 KiB steps as the socket drains.  Byte i of the
// body is kDownloadPattern[i % kDownloadPattern.size()]; the pattern buffer is shared and
// referenced, never copied, so a 10 GB download allocates nothing per byte.
void start_download(Worker& worker, evhttp_request* req, std::uint64_t bytes);

// 200 chunked: |chunks| chunks "chunk I of N\n", the first at once and then one every |interval|,
// the terminating chunk right after the last.
void start_stream(Worker& worker, evhttp_request* req, std::uint64_t chunks,
                  std::chrono::microseconds interval);

// 200 with Content-Length |after| + kAbortShortfall, |after| body bytes (the download pattern),
// and then the connection is closed once those bytes have left: a backend dying mid-response.
void start_abort(Worker& worker, evhttp_request* req, std::uint64_t after);

inline constexpr std::string_view kDownloadPattern = "abcdefghijklmnopqrstuvwxyz0123456789\n";
inline constexpr std::uint64_t kAbortShortfall = 1 << 20;

} // namespace stgw::stps_sim
