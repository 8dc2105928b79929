#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stgw::stps_sim::testing {

// The real stps-sim binary, started with |args| plus "--listen 127.0.0.1:0" unless the args
// carry a --listen.  The constructor waits (bounded) for the "listening on" line.
class SimProcess {
public:
  explicit SimProcess(std::vector<std::string> args);
  ~SimProcess();
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  bool started() const { return port_ != 0; }
  std::uint16_t port() const { return port_; }
  const std::vector<std::string>& listening_lines() const { return lines_; }
  std::string url(std::string_view path, bool tls = false) const;

  // Sends |signal| and waits; returns the exit status (or -1 when it did not exit normally).
  int stop(int signal_number);

private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::uint16_t port_ = 0;
  std::vector<std::string> lines_;
};

// Runs the binary to completion (for flag errors); returns exit status and stderr.
struct RunResult {
  int exit_code = -1;
  std::string output; // stdout then stderr
};
RunResult run_sim(const std::vector<std::string>& args);

// curl's answer split into status, headers (names lower-cased) and body.
struct HttpReply {
  int curl_exit = -1;
  int status = 0;
  std::multimap<std::string, std::string> headers;
  std::string body;
  std::string header(const std::string& lower_name) const;
};

// Parses curl -i output: interim 1xx heads skipped, then status, headers and body.
HttpReply parse_http_reply(std::string_view text);

// Runs `curl -s -i --max-time 30 ARGS...` (ARGS are single-quoted for the shell).
HttpReply curl(const std::vector<std::string>& args);

// Raw loopback TCP for what curl hides: byte counts, timing of chunks, abrupt closes.
class RawConnection {
public:
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send_all(std::string_view data);
  // Reads until |needle| is in the received data, EOF, or |timeout|.  Returns all data so far.
  std::string read_until(std::string_view needle, std::chrono::milliseconds timeout,
                         int occurrences = 1);
  // Reads until EOF (or timeout); sets |eof| when the peer closed.
  std::string read_to_eof(std::chrono::milliseconds timeout, bool& eof);
  void close();

private:
  int fd_ = -1;
  std::string buffer_;
};

} // namespace stgw::stps_sim::testing
