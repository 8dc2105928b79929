#pragma once

// A child process the demo runs beside the gateway (stps-sim). Killed and reaped on destruction.

#include <chrono>
#include <expected>
#include <string>
#include <vector>

#include <sys/types.h>

namespace stgw::cli {

class ChildProcess {
public:
  // Starts |argv| and waits up to |timeout| for its first stdout line, which is returned via
  // first_line(). stderr is inherited.
  static std::expected<ChildProcess, std::string> start(const std::vector<std::string>& argv,
                                                         std::chrono::milliseconds timeout);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess();

  const std::string& first_line() const { return first_line_; }
  pid_t pid() const { return pid_; }

private:
  ChildProcess(pid_t pid, std::string first_line) : pid_(pid), first_line_(std::move(first_line)) {}
  pid_t pid_ = -1;
  std::string first_line_;
};

// A free TCP port on 127.0.0.1 (bound and released: another process could take it first).
int pick_free_port();
// Whether 127.0.0.1:|port| can be bound right now.
bool port_is_free(int port);

} // namespace stgw::cli
