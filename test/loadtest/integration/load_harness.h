#pragma once

// A small harness for running stgw-load against real stgw and stps-sim processes: a temp dir,
// free loopback ports, child processes with a ready line, and commands run to completion.
// Every wait is bounded; children die with the test (PR_SET_PDEATHSIG) and are reaped.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stgw::load::itest {

using namespace std::chrono_literals;

class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string write(std::string_view name, std::string_view content) const;
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

private:
  std::string path_;
};

// A loopback port that was free a moment ago.
std::uint16_t free_port();

std::string read_file(const std::string& path);

// A child whose stdout and stderr go to files in |dir|; started() once a stdout line starting
// with |ready_prefix| appeared within |timeout|.
class Child {
public:
  Child(std::vector<std::string> argv, const std::string& dir, const std::string& name,
        std::string_view ready_prefix, std::chrono::milliseconds timeout = 30s);
  ~Child(); // SIGKILL and reap
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool started() const { return !ready_line_.empty(); }
  const std::string& ready_line() const { return ready_line_; }
  std::string stderr_text() const { return read_file(err_path_); }

private:
  pid_t pid_ = -1;
  std::string out_path_;
  std::string err_path_;
  std::string ready_line_;
};

struct RunResult {
  int exit_code = -1; // -1: killed (by the timeout or a signal)
  std::string out;
  std::string err;
};

// Runs |argv| to completion (killed after |timeout|), capturing stdout and stderr.
RunResult run(const std::vector<std::string>& argv, const std::string& dir,
              std::chrono::milliseconds timeout = 60s);

} // namespace stgw::load::itest
