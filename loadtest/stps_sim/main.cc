// stps-sim: a Sametime Proxy Server stand-in for tests, the demo and load tests.
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>

#include <cstdio>
#include <fmt/format.h>
#include <string_view>
#include <thread>
#include <vector>

#include "loadtest/stps_sim/options.h"
#include "loadtest/stps_sim/shared_state.h"
#include "loadtest/stps_sim/worker.h"

namespace {

using namespace stgw::stps_sim;

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  char text[256] = "unknown error";
  if (code != 0)
    ERR_error_string_n(code, text, sizeof(text));
  ERR_clear_error();
  return text;
}

// Loads the certificate chain and key; names the file on failure, never prints key material.
SSL_CTX* make_tls_context(const Options& options) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    fmt::print(stderr, "stps-sim: cannot create a TLS context: {}\n", openssl_error());
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, options.tls_cert.c_str()) != 1) {
    fmt::print(stderr, "stps-sim: cannot load certificate {}: {}\n", options.tls_cert,
               openssl_error());
  } else if (SSL_CTX_use_PrivateKey_file(ctx, options.tls_key.c_str(), SSL_FILETYPE_PEM) != 1) {
    fmt::print(stderr, "stps-sim: cannot load private key {}: {}\n", options.tls_key,
               openssl_error());
  } else if (SSL_CTX_check_private_key(ctx) != 1) {
    fmt::print(stderr, "stps-sim: private key {} does not match certificate {}\n", options.tls_key,
               options.tls_cert);
  } else {
    return ctx;
  }
  SSL_CTX_free(ctx);
  return nullptr;
}

std::string display_address(const ListenAddress& a, std::uint16_t port) {
  return a.ipv6 ? fmt::format("[{}]:{}", a.host, port) : fmt::format("{}:{}", a.host, port);
}

// Creates every worker and binds every listener before anything is printed, so a start-up error
// leaves nothing half-running.  Worker 0 resolves port 0; the others bind the port it got.
bool start_workers(SharedState& shared, std::vector<std::unique_ptr<Worker>>& workers) {
  for (int i = 0; i < shared.options.threads; ++i) {
    auto worker = Worker::create(shared, static_cast<std::size_t>(i));
    if (!worker) {
      fmt::print(stderr, "stps-sim: {}\n", worker.error().detail);
      return false;
    }
    workers.push_back(std::move(*worker));
  }
  for (auto& address : shared.options.listen) {
    for (auto& worker : workers) {
      auto port = worker->listen(address);
      if (!port) {
        fmt::print(stderr, "stps-sim: {}\n", port.error().detail);
        return false;
      }
      address.port = *port;
    }
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  auto parsed = parse_options(args);
  if (!parsed) {
    fmt::print(stderr, "stps-sim: {}\n{}", describe(parsed.error()), usage());
    return 2;
  }
  if (parsed->help) {
    fmt::print("{}", usage());
    return 0;
  }

  // Signals are taken synchronously by the main thread; workers inherit the blocked mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  SharedState shared;
  shared.options = std::move(*parsed);
  for (int i = 0; i < shared.options.threads; ++i) {
    shared.counters.push_back(std::make_unique<WorkerCounters>());
  }
  if (!shared.options.tls_cert.empty()) {
    shared.tls = make_tls_context(shared.options);
    if (shared.tls == nullptr)
      return 1;
  }

  int exit_code = 0;
  {
    std::vector<std::unique_ptr<Worker>> workers;
    if (start_workers(shared, workers)) {
      for (const auto& address : shared.options.listen) {
        fmt::print("stps-sim listening on {}\n", display_address(address, address.port));
      }
      std::fflush(stdout);
      std::vector<std::thread> threads;
      for (auto& worker : workers)
        threads.emplace_back([&w = *worker] { w.run(); });
      int signal_number = 0;
      sigwait(&stop_signals, &signal_number);
      for (auto& worker : workers)
        worker->stop();
      for (auto& thread : threads)
        thread.join();
    } else {
      exit_code = 1;
    }
  }
  if (shared.tls != nullptr)
    SSL_CTX_free(shared.tls);
  return exit_code;
}
