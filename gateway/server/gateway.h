#pragma once

// The running gateway: the control thread (signals, reload, health checks, admin endpoints)
// and the workers. SIGTERM/SIGINT drain and return 0; SIGHUP reloads; SIGUSR1 reopens logs.

#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "config/gateway_config.h"

namespace stgw::server {

struct GatewayOptions {
  std::string config_path;      // re-read on SIGHUP; empty = reload disabled (embedded config)
  bool print_ready_line = true; // "stgw ready: ..." on stdout once listening
};

class Gateway {
public:
  // Builds everything and binds every listener; on any error nothing stays bound.
  static std::expected<std::unique_ptr<Gateway>, std::vector<std::string>>
  create(config::ConfigPtr config, GatewayOptions options);
  ~Gateway();

  // Runs until drained. Returns the process exit code.
  int run();
  // Thread-safe: begins a drain as SIGTERM would.
  void request_stop();

  class Impl;

private:
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace stgw::server
