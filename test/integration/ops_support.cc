#include "test/integration/ops_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace stgw::itest {
namespace {

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start])))
    ++start;
  return s.substr(start);
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string base64(const unsigned char* data, std::size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < size; i += 3) {
    std::uint32_t n = static_cast<std::uint32_t>(data[i]) << 16;
    if (i + 1 < size)
      n |= static_cast<std::uint32_t>(data[i + 1]) << 8;
    if (i + 2 < size)
      n |= data[i + 2];
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < size ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < size ? kAlphabet[n & 63] : '=';
  }
  return out;
}

// The token printed by `stgw token mint`, or empty with a test failure.
std::string run_mint(std::vector<std::string> argv) {
  CommandResult r = run_command(argv);
  if (r.exit_code != 0) {
    ADD_FAILURE() << "stgw token mint failed (exit " << r.exit_code << "): " << r.err;
    return {};
  }
  return trim(r.out);
}

// "a\"b" style TOML basic string.
std::string toml_string(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

// Parses one `name{a="x",b="y"} value` line of the text format.
bool parse_sample(std::string_view line, MetricSample& sample) {
  std::size_t at = 0;
  while (at < line.size() && line[at] != '{' && line[at] != ' ')
    ++at;
  sample.name = std::string(line.substr(0, at));
  if (sample.name.empty())
    return false;
  if (at < line.size() && line[at] == '{') {
    ++at;
    while (at < line.size() && line[at] != '}') {
      std::size_t eq = line.find('=', at);
      if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"')
        return false;
      std::string key(line.substr(at, eq - at));
      std::string value;
      at = eq + 2;
      while (at < line.size() && line[at] != '"') {
        if (line[at] == '\\' && at + 1 < line.size()) {
          ++at;
          value += line[at] == 'n' ? '\n' : line[at];
        } else {
          value += line[at];
        }
        ++at;
      }
      if (at >= line.size())
        return false;
      ++at; // closing quote
      sample.labels[key] = value;
      if (at < line.size() && line[at] == ',')
        ++at;
    }
    if (at >= line.size())
      return false;
    ++at; // '}'
  }
  while (at < line.size() && line[at] == ' ')
    ++at;
  std::string value(line.substr(at));
  value = value.substr(0, value.find(' ')); // a timestamp may follow
  char* end = nullptr;
  sample.value = std::strtod(value.c_str(), &end);
  return !value.empty() && end != nullptr && *end == '\0';
}

bool labels_match(const MetricSample& sample, const std::map<std::string, std::string>& match) {
  for (const auto& [key, value] : match) {
    auto it = sample.labels.find(key);
    if (it == sample.labels.end() || it->second != value)
      return false;
  }
  return true;
}

bool is_bodiless(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

} // namespace

std::string stgw_binary() {
  const char* chosen = std::getenv("STGW_ITEST_STGW");
  return chosen != nullptr && *chosen != '\0' ? chosen : STGW_BIN;
}

std::string stps_sim_binary() {
  const char* chosen = std::getenv("STGW_ITEST_STPS_SIM");
  return chosen != nullptr && *chosen != '\0' ? chosen : STPS_SIM_BIN;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    if (condition())
      return true;
    if (Clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(interval);
  }
}

// ---------------------------------------------------------------------------------------------
// LTPA material

LtpaKeys generate_ltpa_keys(const TempDir& dir, const std::string& name, const std::string& realm) {
  LtpaKeys keys{dir.file(name + ".keys"), dir.write(name + ".password", "pw-" + name + "-9!\n"),
                realm};
  CommandResult r = run_command({stgw_binary(), "keys", "generate", "--out", keys.keys_file,
                                 "--password-file", keys.password_file, "--realm", realm});
  if (r.exit_code != 0) {
    ADD_FAILURE() << "stgw keys generate failed (exit " << r.exit_code << "): " << r.err;
    return {};
  }
  return keys;
}

std::string write_domino_secret(const TempDir& dir, const std::string& name) {
  std::array<unsigned char, 20> bytes{};
  std::ifstream random("/dev/urandom", std::ios::binary);
  random.read(reinterpret_cast<char*>(bytes.data()), bytes.size());
  EXPECT_TRUE(random.good()) << "cannot read /dev/urandom";
  return dir.write(name + ".secret", base64(bytes.data(), bytes.size()) + "\n");
}

std::string mint_ltpa(const LtpaKeys& keys, const std::string& user, const std::string& format,
                      const std::vector<std::string>& extra) {
  std::vector<std::string> argv{
      stgw_binary(),      "token",  "mint", "--keys",   keys.keys_file, "--password-file",
      keys.password_file, "--user", user,   "--format", format};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run_mint(std::move(argv));
}

std::string mint_domino(const std::string& secret_file, const std::string& user,
                        const std::vector<std::string>& extra) {
  std::vector<std::string> argv{stgw_binary(), "token",  "mint", "--domino-secret-file",
                                secret_file,   "--user", user,   "--format",
                                "domino"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run_mint(std::move(argv));
}

// ---------------------------------------------------------------------------------------------
// Configuration

std::string ops_config_toml(const OpsConfig& c) {
  std::string toml = "[server]\nworkers = " + std::to_string(c.workers) +
                     "\ndrain_timeout = \"5s\"\n" + c.server_extra + "\n\n";
  toml += "[budget]\n" + c.budget + "\n\n";
  toml += "[admin]\naddress = " +
          (c.admin_port != 0 ? toml_string("127.0.0.1:" + std::to_string(c.admin_port))
                             : std::string("\"off\"")) +
          "\n\n";
  if (c.http_port != 0)
    toml += "[[listener]]\nname = \"http\"\naddress = \"127.0.0.1:" + std::to_string(c.http_port) +
            "\"\n\n";
  if (c.https_port != 0)
    toml +=
        "[[listener]]\nname = \"https\"\naddress = \"127.0.0.1:" + std::to_string(c.https_port) +
        "\"\ntls = { certificates = [ { certificate = " + toml_string(c.https_cert.first) +
        ", private_key = " + toml_string(c.https_cert.second) + " } ] }\n\n";
  toml += c.extra_listeners + "\n";
  toml += c.sso + "\n";
  toml += "[[backend]]\nname = \"stps\"\nservers = [" + toml_string(c.backend_address) + "]\n";
  // Health checks are off unless asked for, so that the backend sees only proxied traffic.
  if (c.backend_extra.find("health_check") == std::string::npos)
    toml += "health_check = { enabled = false }\n";
  toml += c.backend_extra + "\n\n";
  toml += c.routes.empty() ? route("/") : c.routes;
  toml += "\n[access_log]\n" + c.access_log + "\n";
  return toml;
}

std::string sso_section(const LtpaKeys& keys, const std::string& domino_secret,
                        const std::string& extra_lines) {
  std::string toml = "[sso]\n" + extra_lines +
                     "\n\n[[sso.keys]]\nfile = " + toml_string(keys.keys_file) +
                     "\npassword_file = " + toml_string(keys.password_file) +
                     "\nrealm = " + toml_string(keys.realm) + "\n\n";
  if (!domino_secret.empty())
    toml += "[[sso.domino]]\nsecret_file = " + toml_string(domino_secret) + "\n\n";
  return toml;
}

std::string route(const std::string& prefix, const std::string& extra) {
  return "[[route]]\nprefix = " + toml_string(prefix) + "\nbackend = \"stps\"\n" + extra + "\n\n";
}

// ---------------------------------------------------------------------------------------------
// Prometheus text format

double MetricsText::sum(const std::string& name,
                        const std::map<std::string, std::string>& match) const {
  double total = 0;
  for (const auto& sample : samples)
    if (sample.name == name && labels_match(sample, match))
      total += sample.value;
  return total;
}

std::size_t MetricsText::count(const std::string& name,
                               const std::map<std::string, std::string>& match) const {
  return static_cast<std::size_t>(std::count_if(samples.begin(), samples.end(), [&](const auto& s) {
    return s.name == name && labels_match(s, match);
  }));
}

MetricsText parse_metrics(std::string_view text) {
  MetricsText out;
  out.parsed = true;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    if (line.empty())
      continue;
    if (line.starts_with("# TYPE ")) {
      std::istringstream words(line.substr(7));
      std::string name, type;
      words >> name >> type;
      out.types[name] = type;
      continue;
    }
    if (line.starts_with("#"))
      continue;
    MetricSample sample;
    if (!parse_sample(line, sample)) {
      out.parsed = false;
      out.error = "unparsable line: " + line;
      continue;
    }
    out.samples.push_back(std::move(sample));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Held connections

HeldConnection::HeldConnection(std::uint16_t port, const std::string& source_ip) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0)
    return;
  // A connect that the kernel cannot queue must not hang the test.
  timeval five{5, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &five, sizeof(five));
  sockaddr_in source{};
  source.sin_family = AF_INET;
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(port);
  target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::inet_pton(AF_INET, source_ip.c_str(), &source.sin_addr) != 1 ||
      ::bind(fd_, reinterpret_cast<sockaddr*>(&source), sizeof(source)) != 0 ||
      ::connect(fd_, reinterpret_cast<sockaddr*>(&target), sizeof(target)) != 0)
    close();
}

HeldConnection::~HeldConnection() {
  close();
}

void HeldConnection::close() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
}

bool HeldConnection::send_all(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0)
      return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void HeldConnection::pump() {
  while (fd_ >= 0 && !eof_) {
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) {
      buffer_.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      return;
    eof_ = true; // orderly close or reset: the peer is gone either way
  }
}

std::optional<std::size_t> HeldConnection::response_size() const {
  auto head_end = buffer_.find("\r\n\r\n");
  if (head_end == std::string::npos)
    return std::nullopt;
  std::size_t body_start = head_end + 4;
  std::string head = to_lower(std::string_view(buffer_).substr(0, head_end + 2));
  if (is_bodiless(status_of(buffer_)))
    return body_start;
  if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
    auto end = buffer_.find("\r\n0\r\n\r\n", head_end);
    if (end == std::string::npos)
      return std::nullopt;
    return end + 7;
  }
  auto length_at = head.find("\r\ncontent-length:");
  if (length_at != std::string::npos) {
    std::size_t length = std::strtoull(head.c_str() + length_at + 17, nullptr, 10);
    if (buffer_.size() < body_start + length)
      return std::nullopt;
    return body_start + length;
  }
  return eof_ ? std::optional<std::size_t>(buffer_.size()) : std::nullopt;
}

std::optional<HttpReply> HeldConnection::response() const {
  auto size = response_size();
  if (!size)
    return std::nullopt;
  return parse_raw_response(std::string_view(buffer_).substr(0, *size));
}

void HeldConnection::consume_response() {
  if (auto size = response_size())
    buffer_.erase(0, *size);
}

bool pump_until(const std::vector<HeldConnection*>& connections, const std::function<bool()>& done,
                std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!done()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0)
      return false;
    std::vector<pollfd> fds;
    std::vector<HeldConnection*> owners;
    for (HeldConnection* c : connections) {
      if (c->connected() && !c->closed()) {
        fds.push_back({c->fd(), POLLIN, 0});
        owners.push_back(c);
      }
    }
    int wait_ms = static_cast<int>(std::min<long>(left.count(), 50));
    if (fds.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
      continue;
    }
    if (::poll(fds.data(), fds.size(), wait_ms) <= 0)
      continue;
    for (std::size_t i = 0; i < fds.size(); ++i)
      if (fds[i].revents != 0)
        owners[i]->pump();
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// stgw with a lowered descriptor limit

namespace {

long soft_nofile_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("Max open files"))
      continue;
    std::istringstream words(line.substr(14));
    long soft = -1;
    words >> soft;
    return soft;
  }
  return -1;
}

} // namespace

std::string sanitizer_findings(const std::string& stderr_text) {
  std::size_t at = std::string::npos;
  for (std::string_view marker : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                                  "runtime error:", "AddressSanitizer:DEADLYSIGNAL"})
    at = std::min(at, stderr_text.find(marker));
  return at == std::string::npos ? std::string() : stderr_text.substr(at, 8192);
}

NofileRun run_stgw_with_nofile(const TempDir& dir, const std::string& config_path, rlim_t soft,
                               rlim_t hard, std::chrono::milliseconds timeout) {
  NofileRun run;
  std::string tag = "stgw-nofile-" + std::to_string(soft) + "-" + std::to_string(hard);
  std::string out_path = dir.file(tag + ".stdout"), err_path = dir.file(tag + ".stderr");
  std::vector<std::string> args{stgw_binary(), "serve", "-c", config_path};
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const rlimit limit{soft, hard};
  pid_t pid = -1;
  if (out_fd >= 0 && err_fd >= 0 && null_fd >= 0)
    pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0)
      ::_exit(126);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  for (int fd : {out_fd, err_fd, null_fd})
    if (fd >= 0)
      ::close(fd);
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return run;
  }
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      pid = -1;
      break;
    }
    if (read_file(out_path).find("stgw ready:") != std::string::npos) {
      run.ready = true;
      run.soft_limit_seen = soft_nofile_of(pid);
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  if (pid > 0) {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  run.out = read_file(out_path);
  run.err = read_file(err_path);
  return run;
}

// ---------------------------------------------------------------------------------------------
// Fixture

::testing::AssertionResult OpsTestBase::start_sim(std::vector<std::string> args) {
  sim_ = std::make_unique<StpsSim>(dir_, std::move(args));
  if (!sim_->started())
    return ::testing::AssertionFailure()
           << "stps-sim did not start: " << sim_->process().stderr_text();
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult OpsTestBase::start_gateway(OpsConfig config) {
  if (config.backend_address.empty() && sim_)
    config.backend_address = sim_->address();
  bool want_https = config.https_port != 0;
  std::string log;
  // free_port() cannot reserve: a parallel test may take a port before stgw binds it.
  for (int attempt = 0; attempt < 3; ++attempt) {
    config.http_port = free_port();
    config.admin_port = free_port();
    if (want_https)
      config.https_port = free_port();
    gateway_.reset();
    gateway_ = std::make_unique<Gateway>(dir_, ops_config_toml(config));
    if (gateway_->started()) {
      config_ = config;
      return ::testing::AssertionSuccess();
    }
    log = gateway_->log();
    if (log.find("in use") == std::string::npos)
      break;
  }
  std::optional<int> exit_code = gateway_->process().early_exit();
  return ::testing::AssertionFailure()
         << "stgw did not start (exit " << (exit_code ? std::to_string(*exit_code) : "-") << "):\n"
         << log << "\nconfig:\n"
         << read_file(dir_.file("gateway.toml"));
}

void OpsTestBase::reload_with(const std::string& toml) {
  dir_.write("gateway.toml", toml);
  gateway_->process().send_signal(SIGHUP);
}

std::string OpsTestBase::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(config_.http_port) + std::string(path);
}

std::string OpsTestBase::https_url(std::string_view path) const {
  return "https://127.0.0.1:" + std::to_string(config_.https_port) + std::string(path);
}

std::string OpsTestBase::admin_url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(config_.admin_port) + std::string(path);
}

MetricsText OpsTestBase::metrics() const {
  HttpReply reply = curl({admin_url("/metrics")}, 10s);
  if (reply.status != 200) {
    MetricsText failed;
    failed.error = "GET /metrics: status " + std::to_string(reply.status) + ": " + reply.raw;
    return failed;
  }
  return parse_metrics(reply.body);
}

std::string OpsTestBase::gateway_log() const {
  return gateway_ ? gateway_->log() : std::string();
}

} // namespace stgw::itest
