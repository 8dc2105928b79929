#include "test/integration/fixture.h"

namespace stgw::itest {

::testing::AssertionResult DataPlaneTest::start(ConfigOptions options,
                                                std::vector<std::string> sim_args) {
  if (options.backend_address.empty()) {
    sim_ = std::make_unique<StpsSim>(dir_, std::move(sim_args));
    if (!sim_->started())
      return ::testing::AssertionFailure()
             << "stps-sim did not start: " << sim_->process().stderr_text();
    options.backend_address = sim_->address();
  }
  return start_gateway(std::move(options));
}

::testing::AssertionResult DataPlaneTest::start_gateway(ConfigOptions options) {
  bool want_https = options.https_port != 0;
  std::string log;
  // free_port() cannot reserve: a parallel test may take the port before stgw binds it.
  for (int attempt = 0; attempt < 3; ++attempt) {
    options.http_port = free_port();
    if (want_https)
      options.https_port = free_port();
    gateway_.reset();
    gateway_ = std::make_unique<Gateway>(dir_, make_config(options), gateway_env_);
    if (gateway_->started()) {
      options_ = options;
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

std::string DataPlaneTest::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(options_.http_port) + std::string(path);
}

std::string DataPlaneTest::certificate_entry(const std::pair<std::string, std::string>& pair) {
  return "{ certificate = \"" + pair.first + "\", private_key = \"" + pair.second + "\" }";
}

std::string get_request(std::string_view target, std::string_view extra_headers) {
  std::string request = "GET ";
  request += target;
  request += " HTTP/1.1\r\nHost: gw.test\r\n";
  request += extra_headers;
  request += "\r\n";
  return request;
}

} // namespace stgw::itest
