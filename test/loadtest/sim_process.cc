#include "test/loadtest/sim_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

extern char** environ;

namespace stgw::stps_sim::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Waits until |fd| is readable or the deadline passes.
bool wait_readable(int fd, Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0)
    return false;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
}

pid_t spawn(const std::vector<std::string>& args, int stdout_fd, int stderr_fd) {
  std::vector<std::string> full{STPS_SIM_BIN};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : full)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, stdout_fd, STDOUT_FILENO);
  if (stderr_fd >= 0)
    posix_spawn_file_actions_adddup2(&actions, stderr_fd, STDERR_FILENO);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0)
    pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string to_lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Parses one "HTTP/1.1 200 OK\r\nName: v\r\n...\r\n\r\nbody" block into |reply|.
void parse_reply(std::string_view text, HttpReply& reply) {
  // curl -i prints interim 1xx heads (100 Continue) before the final one.
  while (text.starts_with("HTTP/1.1 1")) {
    auto end = text.find("\r\n\r\n");
    if (end == std::string_view::npos)
      return;
    text.remove_prefix(end + 4);
  }
  auto head_end = text.find("\r\n\r\n");
  if (head_end == std::string_view::npos)
    return;
  std::string_view head = text.substr(0, head_end);
  reply.body = std::string(text.substr(head_end + 4));
  auto line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  if (status_line.size() >= 12)
    reply.status = std::atoi(std::string(status_line.substr(9, 3)).c_str());
  head = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
  while (!head.empty()) {
    auto eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    head = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
    reply.headers.emplace(to_lower(std::string(line.substr(0, colon))), std::string(value));
  }
}

} // namespace

SimProcess::SimProcess(std::vector<std::string> args) {
  bool has_listen = std::any_of(args.begin(), args.end(),
                                [](const std::string& a) { return a.starts_with("--listen"); });
  if (!has_listen) {
    args.push_back("--listen");
    args.push_back("127.0.0.1:0");
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return;
  pid_ = spawn(args, fds[1], -1);
  ::close(fds[1]);
  stdout_fd_ = fds[0];
  if (pid_ < 0)
    return;
  std::size_t expected = std::count_if(
      args.begin(), args.end(), [](const std::string& a) { return a.starts_with("--listen"); });
  std::string pending;
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (lines_.size() < expected && wait_readable(stdout_fd_, deadline)) {
    char buf[256];
    ssize_t n = ::read(stdout_fd_, buf, sizeof(buf));
    if (n <= 0)
      break;
    pending.append(buf, static_cast<std::size_t>(n));
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      lines_.push_back(pending.substr(0, nl));
      pending.erase(0, nl + 1);
    }
  }
  if (!lines_.empty() && lines_[0].starts_with("stps-sim listening on ")) {
    port_ = static_cast<std::uint16_t>(std::stoi(lines_[0].substr(lines_[0].rfind(':') + 1)));
  }
}

SimProcess::~SimProcess() {
  if (pid_ > 0)
    stop(SIGKILL);
  if (stdout_fd_ >= 0)
    ::close(stdout_fd_);
}

std::string SimProcess::url(std::string_view path, bool tls) const {
  return std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) +
         std::string(path);
}

int SimProcess::stop(int signal_number) {
  if (pid_ <= 0)
    return -1;
  ::kill(pid_, signal_number);
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (r < 0 || !WIFEXITED(status))
    return -1;
  return WEXITSTATUS(status);
}

RunResult run_sim(const std::vector<std::string>& args) {
  RunResult result;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return result;
  pid_t pid = spawn(args, fds[1], fds[1]);
  ::close(fds[1]);
  auto deadline = Clock::now() + std::chrono::seconds(20);
  char buf[512];
  while (pid > 0 && wait_readable(fds[0], deadline)) {
    ssize_t n = ::read(fds[0], buf, sizeof(buf));
    if (n <= 0)
      break;
    result.output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  if (pid > 0) {
    int status = 0;
    if (::waitpid(pid, &status, 0) == pid && WIFEXITED(status))
      result.exit_code = WEXITSTATUS(status);
  }
  return result;
}

std::string HttpReply::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpReply parse_http_reply(std::string_view text) {
  HttpReply reply;
  parse_reply(text, reply);
  return reply;
}

HttpReply curl(const std::vector<std::string>& args) {
  std::string command = "curl -s -i --max-time 30";
  for (const auto& a : args)
    command += " " + shell_quote(a);
  HttpReply reply;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr)
    return reply;
  std::string out;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof(buf), pipe)) > 0;)
    out.append(buf, n);
  int status = ::pclose(pipe);
  reply.curl_exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  parse_reply(out, reply);
  return reply;
}

RawConnection::RawConnection(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) != 0)
    close();
}

RawConnection::~RawConnection() {
  close();
}

void RawConnection::close() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
}

bool RawConnection::send_all(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0)
      return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

namespace {
int count_of(const std::string& haystack, std::string_view needle) {
  int n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1))
    ++n;
  return n;
}
} // namespace

std::string RawConnection::read_until(std::string_view needle, std::chrono::milliseconds timeout,
                                      int occurrences) {
  auto deadline = Clock::now() + timeout;
  while (count_of(buffer_, needle) < occurrences && wait_readable(fd_, deadline)) {
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0)
      break;
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
  return buffer_;
}

std::string RawConnection::read_to_eof(std::chrono::milliseconds timeout, bool& eof) {
  eof = false;
  auto deadline = Clock::now() + timeout;
  while (wait_readable(fd_, deadline)) {
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      eof = true;
      break;
    }
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
  return buffer_;
}

} // namespace stgw::stps_sim::testing
