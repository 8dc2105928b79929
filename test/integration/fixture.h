#pragma once

// The fixture every data-plane test starts from: a temp dir, one stps-sim and one stgw whose
// config the test writes inline (through ConfigOptions).

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "test/integration/harness.h"

namespace stgw::itest {

class DataPlaneTest : public ::testing::Test {
protected:
  // Starts stps-sim (with |sim_args|) unless |options.backend_address| is already set, then
  // stgw with a cleartext listener on a fresh port (and a TLS one when options.https_port is
  // set). Retries with new ports when one was taken by a parallel test in between.
  ::testing::AssertionResult start(ConfigOptions options = {},
                                   std::vector<std::string> sim_args = {});
  // Starts only stgw (the backend is described by |options|).
  ::testing::AssertionResult start_gateway(ConfigOptions options);

  std::string url(std::string_view path) const;
  // A TOML inline table for a certificate pair.
  static std::string certificate_entry(const std::pair<std::string, std::string>& pair);

  TempDir dir_; // first member: destroyed last, after the processes that use it
  std::unique_ptr<StpsSim> sim_;
  std::unique_ptr<Gateway> gateway_;
  ConfigOptions options_;                // as used by the running gateway (ports filled in)
  std::vector<std::string> gateway_env_; // environment overrides for stgw (set before start)
};

// A full request with Host, for raw sockets.
std::string get_request(std::string_view target, std::string_view extra_headers = {});

} // namespace stgw::itest
