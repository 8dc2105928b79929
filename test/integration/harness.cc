#include "test/integration/harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

namespace stgw::itest {
namespace {

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

int millis_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

// argv as the char* array execv wants; built before fork so the child only calls
// async-signal-safe functions.
std::vector<char*> to_argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

// This process's environment with |overrides| ("NAME=value") replacing or adding entries.
std::vector<std::string> environment_with(const std::vector<std::string>& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('=') + 1);
    bool replaced = std::any_of(overrides.begin(), overrides.end(),
                                [&](const std::string& o) { return o.starts_with(name); });
    if (!replaced)
      env.emplace_back(entry);
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

// In the child: stdin/stdout/stderr from the given descriptors, die with the test process,
// then exec. Only async-signal-safe calls.
[[noreturn]] void exec_child(int in_fd, int out_fd, int err_fd, std::vector<char*>& argv,
                             bool search_path, char** envp = environ) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::dup2(in_fd, STDIN_FILENO);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(err_fd, STDERR_FILENO);
  if (search_path)
    ::execvpe(argv[0], argv.data(), envp);
  else
    ::execve(argv[0], argv.data(), envp);
  ::_exit(127);
}

int decode_wait_status(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

long proc_status_kb(pid_t pid, std::string_view key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(key) && line.size() > key.size() && line[key.size()] == ':')
      return std::strtol(line.c_str() + key.size() + 1, nullptr, 10);
  }
  return -1;
}

// Parses a status line and header block; |head| excludes the final CRLFCRLF.
void parse_head(std::string_view head, HttpReply& reply) {
  auto line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  auto space = status_line.find(' ');
  if (status_line.starts_with("HTTP/") && space != std::string_view::npos)
    reply.status = std::atoi(std::string(status_line.substr(space + 1, 3)).c_str());
  head = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
  while (!head.empty()) {
    auto eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    head = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
      value.remove_suffix(1);
    reply.headers.emplace(to_lower(line.substr(0, colon)), std::string(value));
  }
}

bool is_bodiless_status(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

bool header_has_token(const HttpReply& reply, const std::string& name, std::string_view token) {
  auto [begin, end] = reply.headers.equal_range(name);
  for (auto it = begin; it != end; ++it)
    if (to_lower(it->second).find(token) != std::string::npos)
      return true;
  return false;
}

// Decodes a chunked body starting at |body|; returns the bytes consumed (through the trailer
// section) or nullopt when incomplete.
std::optional<std::size_t> decode_chunked(std::string_view body, std::string* out) {
  std::size_t at = 0;
  while (true) {
    auto eol = body.find("\r\n", at);
    if (eol == std::string_view::npos)
      return std::nullopt;
    std::size_t size = std::strtoull(std::string(body.substr(at, eol - at)).c_str(), nullptr, 16);
    at = eol + 2;
    if (size == 0) {
      // Trailer fields, then an empty line.
      while (true) {
        auto end = body.find("\r\n", at);
        if (end == std::string_view::npos)
          return std::nullopt;
        bool empty = end == at;
        at = end + 2;
        if (empty)
          return at;
      }
    }
    if (body.size() < at + size + 2)
      return std::nullopt;
    if (out != nullptr)
      out->append(body.substr(at, size));
    at += size + 2;
  }
}

// The length of the complete response at the front of |data|, nullopt when more is needed.
// |at_eof|: the peer closed, so a close-delimited body ends here.
std::optional<std::size_t> complete_response_size(std::string_view data, bool head_request,
                                                  bool at_eof) {
  auto head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos)
    return std::nullopt;
  HttpReply reply;
  parse_head(data.substr(0, head_end), reply);
  std::size_t body_start = head_end + 4;
  if (head_request || is_bodiless_status(reply.status))
    return body_start;
  if (header_has_token(reply, "transfer-encoding", "chunked")) {
    auto used = decode_chunked(data.substr(body_start), nullptr);
    if (!used)
      return std::nullopt;
    return body_start + *used;
  }
  std::string length = reply.header("content-length");
  if (!length.empty()) {
    std::size_t n = std::strtoull(length.c_str(), nullptr, 10);
    if (data.size() < body_start + n)
      return std::nullopt;
    return body_start + n;
  }
  if (at_eof)
    return data.size();
  return std::nullopt;
}

// The binaries under test: the ones this build made, unless the environment names others (to
// run the suite against an installed or known-good build).
std::string binary(const char* env_name, const char* built) {
  const char* chosen = std::getenv(env_name);
  return chosen != nullptr && *chosen != '\0' ? chosen : built;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Files and ports

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/stgw-itest-XXXXXX";
  if (::mkdtemp(pattern.data()) != nullptr) {
    path_ = pattern;
  } else {
    // Never fall back to writing beside "/": every later write fails, and the test with it.
    ADD_FAILURE() << "mkdtemp(" << pattern << "): " << std::strerror(errno);
    path_ = "/nonexistent/stgw-itest";
  }
}

TempDir::~TempDir() {
  if (path_.starts_with("/nonexistent/"))
    return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write(std::string_view name, std::string_view content) const {
  std::string full = file(name);
  std::ofstream out(full, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  return full;
}

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return 0;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(sin);
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len) == 0)
    port = ntohs(sin.sin_port);
  ::close(fd);
  return port;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// ---------------------------------------------------------------------------------------------
// Commands

CommandResult run_command(const std::vector<std::string>& argv_in, std::string_view input,
                          std::chrono::milliseconds timeout) {
  CommandResult result;
  std::vector<std::string> args = argv_in;
  std::vector<char*> argv = to_argv(args);
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0)
    return result;
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    return result;
  }
  pid_t pid = ::fork();
  if (pid == 0)
    exec_child(in_pipe[0], out_pipe[1], err_pipe[1], argv, true);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  int in_fd = in_pipe[1];
  if (pid < 0) {
    ::close(in_fd);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return result;
  }
  ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
  if (input.empty()) {
    ::close(in_fd);
    in_fd = -1;
  }
  auto deadline = Clock::now() + timeout;
  int out_fd = out_pipe[0], err_fd = err_pipe[0];
  while (out_fd >= 0 || err_fd >= 0) {
    pollfd fds[3];
    int n = 0;
    if (out_fd >= 0)
      fds[n++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0)
      fds[n++] = {err_fd, POLLIN, 0};
    if (in_fd >= 0)
      fds[n++] = {in_fd, POLLOUT, 0};
    int left = millis_left(deadline);
    if (left == 0 || ::poll(fds, n, left) <= 0) {
      if (millis_left(deadline) == 0) {
        result.timed_out = true;
        break;
      }
      continue;
    }
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0)
        continue;
      if (fds[i].fd == in_fd) {
        ssize_t w = ::write(in_fd, input.data(), input.size());
        if (w > 0)
          input.remove_prefix(static_cast<std::size_t>(w));
        if (w < 0 || input.empty()) {
          ::close(in_fd);
          in_fd = -1;
        }
        continue;
      }
      char buf[65536];
      ssize_t r = ::read(fds[i].fd, buf, sizeof(buf));
      std::string& sink = fds[i].fd == out_fd ? result.out : result.err;
      if (r > 0) {
        sink.append(buf, static_cast<std::size_t>(r));
      } else {
        ::close(fds[i].fd);
        (fds[i].fd == out_fd ? out_fd : err_fd) = -1;
      }
    }
  }
  for (int fd : {in_fd, out_fd, err_fd})
    if (fd >= 0)
      ::close(fd);
  if (result.timed_out)
    ::kill(pid, SIGKILL);
  int status = 0;
  if (::waitpid(pid, &status, 0) == pid && !result.timed_out)
    result.exit_code = decode_wait_status(status);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Processes

Process::Process(std::vector<std::string> args, const std::string& dir, const std::string& name,
                 std::string_view ready_prefix, std::chrono::milliseconds ready_timeout,
                 const std::vector<std::string>& env_overrides)
    : stdout_path_(dir + "/" + name + ".stdout"), stderr_path_(dir + "/" + name + ".stderr") {
  std::vector<std::string> env = environment_with(env_overrides);
  std::vector<char*> envp = to_argv(env);
  int out_fd = ::open(stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int err_fd = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::vector<char*> argv = to_argv(args);
  if (out_fd >= 0 && err_fd >= 0 && null_fd >= 0) {
    pid_ = ::fork();
    if (pid_ == 0)
      exec_child(null_fd, out_fd, err_fd, argv, false, envp.data());
  }
  for (int fd : {out_fd, err_fd, null_fd})
    if (fd >= 0)
      ::close(fd);
  if (pid_ <= 0 || ready_prefix.empty())
    return;
  // The ready line is polled from the file: the child writes it once, then keeps running.
  auto deadline = Clock::now() + ready_timeout;
  while (Clock::now() < deadline) {
    std::istringstream lines(stdout_text());
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with(ready_prefix)) {
        ready_line_ = line;
        return;
      }
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) { // exited before becoming ready
      early_exit_ = decode_wait_status(status);
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(10ms);
  }
}

Process::~Process() {
  kill_now();
}

void Process::send_signal(int signal_number) const {
  if (pid_ > 0)
    ::kill(pid_, signal_number);
}

std::optional<int> Process::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0)
    return std::nullopt;
  auto deadline = Clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return decode_wait_status(status);
    }
    if (r < 0) {
      pid_ = -1;
      return std::nullopt;
    }
    if (Clock::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
}

void Process::kill_now() {
  if (pid_ <= 0)
    return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

long Process::rss_kb() const {
  return pid_ > 0 ? proc_status_kb(pid_, "VmRSS") : -1;
}

long Process::peak_rss_kb() const {
  return pid_ > 0 ? proc_status_kb(pid_, "VmHWM") : -1;
}

std::string Process::stdout_text() const {
  return read_file(stdout_path_);
}

std::string Process::stderr_text() const {
  return read_file(stderr_path_);
}

std::string Process::sanitizer_report() const {
  std::string err = stderr_text();
  std::size_t at = std::string::npos;
  for (std::string_view marker : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                                  "runtime error:", "AddressSanitizer:DEADLYSIGNAL"})
    at = std::min(at, err.find(marker));
  if (at == std::string::npos)
    return {};
  // Start at the beginning of the line that holds the marker.
  std::size_t line_start = err.rfind('\n', at);
  at = line_start == std::string::npos ? 0 : line_start + 1;
  return err.substr(at, 16384);
}

// ---------------------------------------------------------------------------------------------
// stps-sim and stgw

StpsSim::StpsSim(const TempDir& dir, std::vector<std::string> extra_args, const std::string& name) {
  std::vector<std::string> args{binary("STGW_ITEST_STPS_SIM", STPS_SIM_BIN), "--listen",
                                "127.0.0.1:0"};
  tls_ = std::find(extra_args.begin(), extra_args.end(), "--tls-cert") != extra_args.end();
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<Process>(std::move(args), dir.path(), name, "stps-sim listening on ");
  if (process_->started()) {
    const std::string& line = process_->ready_line();
    port_ = static_cast<std::uint16_t>(std::atoi(line.c_str() + line.rfind(':') + 1));
  }
}

StpsSim::~StpsSim() {
  std::string report = process_->sanitizer_report();
  if (!report.empty())
    ADD_FAILURE() << "stps-sim sanitizer report:\n" << report;
}

nlohmann::json StpsSim::stats() const {
  std::string url = std::string(tls_ ? "https" : "http") + "://" + address() + "/stats";
  HttpReply reply = curl({"-k", url}, 10s);
  return reply.json();
}

Gateway::Gateway(const TempDir& dir, const std::string& config_toml,
                 const std::vector<std::string>& env_overrides) {
  std::string path = dir.write("gateway.toml", config_toml);
  process_ = std::make_unique<Process>(
      std::vector<std::string>{binary("STGW_ITEST_STGW", STGW_BIN), "serve", "-c", path},
      dir.path(), "stgw", "stgw ready:", 20s, env_overrides);
}

std::vector<std::string> env_for_rss_measurement() {
#if defined(__SANITIZE_ADDRESS__)
  // ASan keeps freed blocks in a quarantine (256 MB by default), so every buffer that passed
  // through would count as resident: measure the gateway's own footprint instead.
  const char* current = std::getenv("ASAN_OPTIONS");
  std::string options = current != nullptr && *current != '\0' ? std::string(current) + ":" : "";
  return {"ASAN_OPTIONS=" + options + "quarantine_size_mb=0:thread_local_quarantine_size_kb=0"};
#else
  return {};
#endif
}

Gateway::~Gateway() {
  process_->kill_now();
  std::string report = process_->sanitizer_report();
  if (!report.empty()) {
    ADD_FAILURE() << "stgw sanitizer report:\n" << report;
  } else if (::testing::Test::HasFailure()) {
    std::string log = process_->stderr_text();
    if (log.size() > 4000)
      log = "..." + log.substr(log.size() - 4000);
    std::cerr << "---- stgw stderr (tail) ----\n" << log << "\n---- end stgw stderr ----\n";
  }
}

std::string make_config(const ConfigOptions& o) {
  std::string toml = "[server]\nworkers = " + std::to_string(o.workers) + "\n" +
                     "drain_timeout = \"15s\"\n" + o.server_extra + "\n";
  toml += "[admin]\naddress = \"off\"\n\n";
  if (o.http_port != 0)
    toml += "[[listener]]\nname = \"http\"\naddress = \"127.0.0.1:" + std::to_string(o.http_port) +
            "\"\n\n";
  if (o.https_port != 0)
    toml +=
        "[[listener]]\nname = \"https\"\naddress = \"127.0.0.1:" + std::to_string(o.https_port) +
        "\"\ntls = { certificates = [ " + o.tls_certificates + " ]" + o.tls_extra + " }\n\n";
  toml += "[[backend]]\nname = \"stps\"\nservers = [\"" + o.backend_address + "\"]\n";
  // Health checks open their own backend connections: off unless a test asks for them, so
  // that connection counts at the backend are the proxied ones.
  if (o.backend_extra.find("health_check") == std::string::npos)
    toml += "health_check = { enabled = false }\n";
  toml += o.backend_extra + "\n\n";
  toml += o.routes.empty() ? "[[route]]\nprefix = \"/\"\nbackend = \"stps\"\n" : o.routes;
  return toml;
}

std::pair<std::string, std::string> make_self_signed(const TempDir& dir, const std::string& cn) {
  std::string cert = dir.file(cn + ".pem"), key = dir.file(cn + ".key");
  CommandResult r =
      run_command({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=" + cn,
                   "-addext", "subjectAltName=DNS:" + cn, "-keyout", key, "-out", cert});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return {cert, key};
}

SignedCert make_ca_signed(const TempDir& dir, const std::string& prefix, const std::string& cn) {
  SignedCert out{dir.file(prefix + "-ca.pem"), dir.file(prefix + ".pem"),
                 dir.file(prefix + ".key")};
  std::string ca_key = dir.file(prefix + "-ca.key"), csr = dir.file(prefix + ".csr");
  std::string ext = dir.write(prefix + ".ext", "subjectAltName=DNS:" + cn +
                                                   ",IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                                   "extendedKeyUsage=serverAuth\n");
  std::vector<std::vector<std::string>> steps = {
      {"openssl",
       "req",
       "-x509",
       "-newkey",
       "ec",
       "-pkeyopt",
       "ec_paramgen_curve:P-256",
       "-nodes",
       "-days",
       "2",
       "-subj",
       "/CN=" + prefix + " test CA",
       "-addext",
       "basicConstraints=critical,CA:TRUE",
       "-addext",
       "keyUsage=keyCertSign,cRLSign",
       "-keyout",
       ca_key,
       "-out",
       out.ca_cert},
      {"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-subj", "/CN=" + cn, "-keyout", out.key, "-out", csr},
      {"openssl", "x509", "-req", "-in", csr, "-CA", out.ca_cert, "-CAkey", ca_key,
       "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", out.cert},
  };
  for (const auto& step : steps) {
    CommandResult r = run_command(step);
    EXPECT_EQ(r.exit_code, 0) << step[1] << ": " << r.err;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Clients

std::string HttpReply::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

nlohmann::json HttpReply::json() const {
  return nlohmann::json::parse(body, nullptr, false);
}

HttpReply parse_http_reply(std::string_view text) {
  HttpReply reply;
  reply.raw = std::string(text);
  while (true) {
    auto head_end = text.find("\r\n\r\n");
    if (head_end == std::string_view::npos)
      return reply;
    HttpReply head;
    parse_head(text.substr(0, head_end), head);
    text.remove_prefix(head_end + 4);
    if (head.status >= 100 && head.status < 200)
      continue; // interim (100 Continue)
    reply.status = head.status;
    reply.headers = std::move(head.headers);
    reply.body = std::string(text);
    return reply;
  }
}

HttpReply curl(const std::vector<std::string>& args, std::chrono::seconds max_time) {
  // -D - puts every response head on stdout, followed by the body unless -o sends it to a file.
  std::vector<std::string> argv{"curl", "-sS",        "-D",
                                "-",    "--max-time", std::to_string(max_time.count())};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult r = run_command(argv, {}, max_time + 10s);
  HttpReply reply = parse_http_reply(r.out);
  reply.curl_exit = r.exit_code;
  return reply;
}

std::vector<std::string> echo_header(const nlohmann::json& echo, std::string_view name) {
  std::vector<std::string> values;
  if (!echo.is_object() || !echo.contains("headers"))
    return values;
  for (const auto& [key, list] : echo["headers"].items()) {
    if (to_lower(key) != to_lower(name))
      continue;
    for (const auto& v : list)
      values.push_back(v.get<std::string>());
  }
  return values;
}

RawClient::RawClient(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) != 0)
    close();
}

RawClient::~RawClient() {
  close();
}

void RawClient::close() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
}

bool RawClient::send_all(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0)
      return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool RawClient::fill(Clock::time_point deadline) {
  if (fd_ < 0 || eof_)
    return false;
  pollfd p{fd_, POLLIN, 0};
  int left = millis_left(deadline);
  if (left == 0 || ::poll(&p, 1, left) <= 0)
    return false;
  char buf[65536];
  ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
  if (n <= 0) {
    // A reset counts as a close too: the peer is gone either way.
    eof_ = true;
    return false;
  }
  buffer_.append(buf, static_cast<std::size_t>(n));
  return true;
}

namespace {
int count_of(std::string_view haystack, std::string_view needle) {
  int n = 0;
  for (auto at = haystack.find(needle); at != std::string_view::npos;
       at = haystack.find(needle, at + needle.size()))
    ++n;
  return n;
}
} // namespace

const std::string& RawClient::read_until(std::string_view needle, std::chrono::milliseconds timeout,
                                         int occurrences) {
  auto deadline = Clock::now() + timeout;
  while (count_of(buffer_, needle) < occurrences && fill(deadline)) {
  }
  return buffer_;
}

const std::string& RawClient::read_at_least(std::size_t size, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (buffer_.size() < size && fill(deadline)) {
  }
  return buffer_;
}

bool RawClient::read_to_eof(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (fill(deadline)) {
  }
  return eof_;
}

std::optional<std::string> RawClient::read_response(std::chrono::milliseconds timeout,
                                                    bool head_request) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    auto size = complete_response_size(buffer_, head_request, eof_);
    if (size) {
      std::string response = buffer_.substr(0, *size);
      buffer_.erase(0, *size);
      return response;
    }
    if (!fill(deadline)) {
      if (!eof_)
        return std::nullopt;
      size = complete_response_size(buffer_, head_request, true);
      if (!size || *size == 0)
        return std::nullopt;
    }
  }
}

int status_of(std::string_view response) {
  HttpReply reply;
  auto head_end = response.find("\r\n\r\n");
  parse_head(response.substr(0, head_end), reply);
  return reply.status;
}

HttpReply parse_raw_response(std::string_view response) {
  HttpReply reply;
  reply.raw = std::string(response);
  auto head_end = response.find("\r\n\r\n");
  if (head_end == std::string_view::npos)
    return reply;
  parse_head(response.substr(0, head_end), reply);
  std::string_view body = response.substr(head_end + 4);
  if (header_has_token(reply, "transfer-encoding", "chunked"))
    decode_chunked(body, &reply.body);
  else
    reply.body = std::string(body);
  return reply;
}

} // namespace stgw::itest
