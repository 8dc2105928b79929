#pragma once

// Helpers for the doctor tests: a scratch folder, a private PKI made with the openssl command,
// an `openssl s_server` child on 127.0.0.1, and running the stgw binary.

#include <sys/types.h>

#include <cstdio>

#include <string>
#include <string_view>
#include <vector>

namespace stgw::doctor::testing {

// A fresh folder under $TMPDIR (or /tmp), removed with its content at destruction.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }
  // Writes |content| to |name| in the folder; returns the full path.
  std::string write(std::string_view name, std::string_view content) const;

private:
  std::string path_;
};

std::string read_file(const std::string& path);

// Runs a shell command, its output discarded; true when it exits 0.
bool run_quiet(const std::string& command);

// A private CA hierarchy made with the openssl command line:
//   root CA "Test Root CA" → intermediate "Test Intermediate CA" → backend "stps.test"
//   (SAN DNS:stps.test, IP:127.0.0.1), and root → listener "st.example.com";
//   an unrelated "Other Root CA"; a spare key that matches nothing.
struct TestPki {
  std::string root_pem, root_key;
  std::string intermediate_pem, intermediate_key;
  std::string backend_pem, backend_key;
  std::string listener_pem, listener_key;
  std::string other_root_pem;
  std::string wrong_host_pem, wrong_host_key; // a listener certificate for elsewhere.test
  std::string spare_key;

  // Creates everything under |dir|; false (with a test failure) when openssl fails.
  bool create(const std::string& dir);
};

// `openssl s_server` on 127.0.0.1 on a port the kernel picks, presenting |cert| (+ |chain|).
class TlsServer {
public:
  TlsServer(const std::string& cert, const std::string& key, const std::string& chain);
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  int port() const { return port_; } // 0 when it did not start

private:
  pid_t pid_ = -1;
  int port_ = 0;
  FILE* output_ = nullptr;
};

// A listening TCP socket on 127.0.0.1 that never accepts (connects succeed via the backlog).
class SilentListener {
public:
  SilentListener();
  ~SilentListener();
  int port() const { return port_; }

private:
  int fd_ = -1;
  int port_ = 0;
};

// A port on 127.0.0.1 where nothing listens (bound, then closed).
int refused_port();

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the built stgw binary with |args| (already shell-quoted where needed) through /bin/sh;
// |prefix| goes before it (e.g. "ulimit -n 150;").
CommandResult run_stgw(const std::string& args, const std::string& prefix = "");

// The lines of |text| that start with |start|.
std::vector<std::string> lines_starting(const std::string& text, std::string_view start);

} // namespace stgw::doctor::testing
