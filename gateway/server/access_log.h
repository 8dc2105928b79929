#pragma once

// The access log: one JSON object per finished exchange. AccessLog is the process-wide sink (a
// file or stdout); each worker owns an AccessLogBuffer that collects lines on its own thread and
// hands them to the sink in one write(2) when it passes kFlushBytes or when its flush timer
// fires. The record carries no cookie, token or secret, and the path is logged without its
// query string unless configured, with ;jsessionid= values redacted.

#include <atomic>
#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "config/gateway_config.h"
#include "gateway/net/handles.h"
#include "gateway/proxy/exchange_record.h"

namespace stgw::server {

// Appends |value| as a JSON string literal (quotes included): ", \ and control characters are
// escaped, valid UTF-8 passes through, and each byte of an invalid UTF-8 sequence becomes
// \ufffd, so the line always parses.
void append_json_string(std::string& out, std::string_view value);

// Appends the path to log for a request target: the query is dropped unless |include_query|
// (then values of parameters named like a token, session, password or secret are replaced by
// "redacted"); the value of a ;jsessionid= path parameter is replaced by "redacted", keeping a
// ":clone" suffix, which is what affinity debugging needs.
void append_logged_path(std::string& out, std::string_view target, bool include_query);

// Appends "YYYY-MM-DDTHH:MM:SS.mmmZ".
void append_iso8601_utc(std::string& out, std::chrono::system_clock::time_point time);

// Appends one access-log line (a JSON object and '\n'). Fields: time, client, method, path,
// status, bytes_in, bytes_out, duration_ms, route, backend, server, user, token_format, tls,
// parked, error, listener; empty strings are written as null.
void append_access_line(std::string& out, const proxy::ExchangeRecord& record, bool include_query);

class AccessLog {
public:
  // Opens the sink: "" = logging off (returns nullptr), "-" = stdout, otherwise the file,
  // created 0640 and opened for appending. Errors name the path and the reason.
  static std::expected<std::unique_ptr<AccessLog>, std::string>
  open(const config::AccessLogConfig& config);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Any thread: writes whole lines with one write(2) (repeated only after a short write). A
  // failed write drops the bytes and counts them; it never blocks the caller on a retry loop.
  void write(std::string_view lines);

  // Control thread (SIGUSR1): opens the path again and dup3()s the new descriptor over the old
  // number, so workers keep writing to the same fd without noticing. A no-op for stdout. On
  // error the old file stays in use and the message names the path.
  std::expected<void, std::string> reopen();

  const config::AccessLogConfig& config() const { return config_; }
  std::uint64_t dropped_bytes() const { return dropped_bytes_.load(std::memory_order_relaxed); }

private:
  AccessLog(config::AccessLogConfig config, int fd);

  config::AccessLogConfig config_;
  int fd_;
  // Serialises write(2) so that lines of two workers never interleave, even on a pipe where
  // writes above PIPE_BUF are not atomic. Held only for one flush (≥ 32 KiB or once a timer).
  std::mutex write_mutex_;
  std::atomic<std::uint64_t> dropped_bytes_{0};
};

// One worker's line buffer. Worker-thread only.
class AccessLogBuffer {
public:
  static constexpr std::size_t kFlushBytes = 32 * 1024;

  // |base| is the worker's loop, used for the flush timer; with nullptr the buffer flushes only
  // on size, on flush() and on destruction. Destroy it on the worker's thread (or after its loop
  // stopped) and before |base| is freed; |log| must outlive it.
  AccessLogBuffer(AccessLog& log, event_base* base);
  ~AccessLogBuffer();
  AccessLogBuffer(const AccessLogBuffer&) = delete;
  AccessLogBuffer& operator=(const AccessLogBuffer&) = delete;

  void append(const proxy::ExchangeRecord& record);
  void flush();
  std::size_t pending_bytes() const { return buffer_.size(); }

private:
  static void on_flush_timer(evutil_socket_t, short, void* arg) noexcept;

  AccessLog& log_;
  std::string buffer_;
  net::EventPtr timer_;
};

} // namespace stgw::server
