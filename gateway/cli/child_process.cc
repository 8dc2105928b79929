#include "gateway/cli/child_process.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace stgw::cli {
namespace {

std::string read_line(int fd, std::chrono::milliseconds timeout) {
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd wait{fd, POLLIN, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (poll(&wait, 1, static_cast<int>(std::max<long>(1, left.count()))) <= 0)
      continue;
    char c;
    ssize_t n = read(fd, &c, 1);
    if (n <= 0)
      break;
    if (c == '\n')
      return line;
    line.push_back(c);
  }
  return line;
}

int bind_loopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

} // namespace

std::expected<ChildProcess, std::string> ChildProcess::start(const std::vector<std::string>& argv,
                                                             std::chrono::milliseconds timeout) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0)
    return std::unexpected(std::string("pipe: ") + strerror(errno));
  pid_t pid = fork();
  if (pid < 0)
    return std::unexpected(std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    std::vector<char*> args;
    for (const auto& arg : argv)
      args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  ::close(pipe_fds[1]);
  std::string line = read_line(pipe_fds[0], timeout);
  ::close(pipe_fds[0]);
  ChildProcess child(pid, line);
  if (line.empty())
    return std::unexpected(argv[0] + " did not start");
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), first_line_(std::move(other.first_line_)) {
  other.pid_ = -1;
}

ChildProcess::~ChildProcess() {
  if (pid_ <= 0)
    return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
}

int pick_free_port() {
  int fd = bind_loopback(0);
  if (fd < 0)
    return -1;
  sockaddr_in bound{};
  socklen_t length = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  ::close(fd);
  return ntohs(bound.sin_port);
}

bool port_is_free(int port) {
  int fd = bind_loopback(port);
  if (fd < 0)
    return false;
  ::close(fd);
  return true;
}

} // namespace stgw::cli
