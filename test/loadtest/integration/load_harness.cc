#include "test/loadtest/integration/load_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace stgw::load::itest {
namespace {

using Clock = std::chrono::steady_clock;

// Forks and execs |argv| with stdout/stderr into the given files.
pid_t spawn(std::vector<std::string> argv, const std::string& out_path,
            const std::string& err_path) {
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(a.data());
  args.push_back(nullptr);
  int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(in, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out);
  ::close(err);
  ::close(in);
  return pid;
}

// Waits for |pid| up to |deadline|; the exit code, or -1 when it did not exit normally in time.
int wait_until(pid_t pid, Clock::time_point deadline, bool& exited) {
  exited = false;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      exited = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    if (r < 0 || Clock::now() >= deadline)
      return -1;
    std::this_thread::sleep_for(20ms);
  }
}

} // namespace

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "stgw-load-itest-XXXXXX").string();
  if (::mkdtemp(pattern.data()) != nullptr)
    path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  if (!path_.empty())
    std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write(std::string_view name, std::string_view content) const {
  std::string path = file(name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(sin);
  std::uint16_t port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len) == 0)
    port = ntohs(sin.sin_port);
  if (fd >= 0)
    ::close(fd);
  return port;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Child::Child(std::vector<std::string> argv, const std::string& dir, const std::string& name,
             std::string_view ready_prefix, std::chrono::milliseconds timeout)
    : out_path_(dir + "/" + name + ".out"), err_path_(dir + "/" + name + ".err") {
  pid_ = spawn(std::move(argv), out_path_, err_path_);
  if (pid_ <= 0)
    return;
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    std::istringstream lines(read_file(out_path_));
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with(ready_prefix)) {
        ready_line_ = line;
        return;
      }
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) { // died before it was ready
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(20ms);
  }
}

Child::~Child() {
  if (pid_ <= 0)
    return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

RunResult run(const std::vector<std::string>& argv, const std::string& dir,
              std::chrono::milliseconds timeout) {
  static int counter = 0;
  std::string base = dir + "/run" + std::to_string(++counter);
  RunResult result;
  pid_t pid = spawn(argv, base + ".out", base + ".err");
  if (pid <= 0)
    return result;
  bool exited = false;
  result.exit_code = wait_until(pid, Clock::now() + timeout, exited);
  if (!exited) {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  result.out = read_file(base + ".out");
  result.err = read_file(base + ".err");
  return result;
}

} // namespace stgw::load::itest
