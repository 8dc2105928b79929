#include "test/doctor/doctor_test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include <gtest/gtest.h>

namespace stgw::doctor::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/stgw-doctor-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr)
    ADD_FAILURE() << "mkdtemp failed";
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(std::string_view name, std::string_view content) const {
  const std::string full = file(name);
  std::ofstream out(full, std::ios::binary | std::ios::trunc);
  out << content;
  return full;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool run_quiet(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

namespace {

// One openssl step; adds a test failure naming the command when it fails.
bool openssl(const std::string& args) {
  const bool ok = run_quiet("openssl " + args);
  EXPECT_TRUE(ok) << "openssl " << args;
  return ok;
}

bool make_key(const std::string& path) {
  return openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + path);
}

bool make_root(const std::string& dir, const std::string& name, const std::string& cn) {
  return make_key(dir + "/" + name + ".key") &&
         openssl("req -x509 -new -key " + dir + "/" + name + ".key -out " + dir + "/" + name +
                 ".pem -days 90 -subj '/O=stgw test/CN=" + cn +
                 "' -addext basicConstraints=critical,CA:TRUE -addext "
                 "keyUsage=critical,keyCertSign,cRLSign");
}

// Issues |name| signed by |ca| with the extensions in |extensions| (openssl config lines).
bool issue(const std::string& dir, const std::string& name, const std::string& cn,
           const std::string& ca, const std::string& extensions, int days = 90) {
  const std::string base = dir + "/" + name;
  std::ofstream(base + ".ext") << "[ext]\n" << extensions;
  return make_key(base + ".key") &&
         openssl("req -new -key " + base + ".key -out " + base +
                 ".csr -subj '/O=stgw test/CN=" + cn + "'") &&
         openssl("x509 -req -in " + base + ".csr -CA " + dir + "/" + ca + ".pem -CAkey " + dir +
                 "/" + ca + ".key -CAcreateserial -out " + base + ".pem -days " +
                 std::to_string(days) + " -extfile " + base + ".ext -extensions ext");
}

} // namespace

bool TestPki::create(const std::string& dir) {
  const bool ok =
      make_root(dir, "root", "Test Root CA") && make_root(dir, "other-root", "Other Root CA") &&
      issue(
          dir, "intermediate", "Test Intermediate CA", "root",
          "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n") &&
      issue(dir, "backend", "stps.test", "intermediate",
            "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            "subjectAltName=DNS:stps.test,IP:127.0.0.1\n") &&
      issue(dir, "listener", "st.example.com", "root",
            "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            "subjectAltName=DNS:st.example.com\n") &&
      issue(dir, "wrong-host", "elsewhere.test", "root",
            "basicConstraints=CA:FALSE\nsubjectAltName=DNS:elsewhere.test\n") &&
      make_key(dir + "/spare.key");
  root_pem = dir + "/root.pem";
  root_key = dir + "/root.key";
  intermediate_pem = dir + "/intermediate.pem";
  intermediate_key = dir + "/intermediate.key";
  backend_pem = dir + "/backend.pem";
  backend_key = dir + "/backend.key";
  listener_pem = dir + "/listener.pem";
  listener_key = dir + "/listener.key";
  other_root_pem = dir + "/other-root.pem";
  wrong_host_pem = dir + "/wrong-host.pem";
  wrong_host_key = dir + "/wrong-host.key";
  spare_key = dir + "/spare.key";
  return ok;
}

TlsServer::TlsServer(const std::string& cert, const std::string& key, const std::string& chain) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0)
    return;
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDERR_FILENO);
    std::vector<std::string> args = {"openssl", "s_server", "-www", "-accept", "127.0.0.1:0",
                                     "-cert",   cert,       "-key", key};
    if (!chain.empty()) {
      args.push_back("-cert_chain");
      args.push_back(chain);
    }
    std::vector<char*> argv;
    for (std::string& arg : args)
      argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execvp("openssl", argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  // s_server prints "ACCEPT 127.0.0.1:<port>" once it listens; reading blocks until then.
  FILE* stream = ::fdopen(out[0], "r");
  char line[256];
  while (stream && std::fgets(line, sizeof line, stream)) {
    const std::string text(line);
    if (text.starts_with("ACCEPT ")) {
      port_ = std::atoi(text.substr(text.rfind(':') + 1).c_str());
      break;
    }
  }
  // Kept open until the server is stopped: closing it would make its next write a SIGPIPE.
  output_ = stream;
}

TlsServer::~TlsServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  if (output_)
    std::fclose(output_);
}

namespace {

int bound_socket(int* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    ADD_FAILURE() << "cannot bind a loopback socket";
    return fd;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

} // namespace

SilentListener::SilentListener() {
  fd_ = bound_socket(&port_);
  if (fd_ >= 0 && ::listen(fd_, 16) != 0)
    ADD_FAILURE() << "listen failed";
}

SilentListener::~SilentListener() {
  if (fd_ >= 0)
    ::close(fd_);
}

int refused_port() {
  int port = 0;
  const int fd = bound_socket(&port);
  if (fd >= 0)
    ::close(fd);
  return port;
}

CommandResult run_stgw(const std::string& args, const std::string& prefix) {
  TempDir dir;
  const std::string out = dir.file("out"), err = dir.file("err");
  const std::string command =
      prefix + " '" STGW_BIN "' " + args + " >'" + out + "' 2>'" + err + "'";
  const int status = std::system(command.c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(out);
  result.err = read_file(err);
  return result;
}

std::vector<std::string> lines_starting(const std::string& text, std::string_view start) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(start))
      out.push_back(line);
  return out;
}

} // namespace stgw::doctor::testing
