// Fuzzes the config loader: any bytes as a TOML file (files are not looked at). Besides "never
// crash or throw", it checks what a successful load promises (every route names an existing
// backend, every backend has a server, paths are absolute, durations were not negative where
// forbidden) and that every error carries a message, a position or none, and the source name.
// The same bytes also go through parse_duration and parse_host_port, whose results must
// round-trip.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/loader.h"

namespace {

using namespace stgw::config;

[[noreturn]] void invariant_failed(const char* what) {
  std::fprintf(stderr, "config_fuzz invariant failed: %s\n", what);
  std::abort();
}

#define FUZZ_CHECK(cond)                                                                           \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      invariant_failed(#cond);                                                                     \
  } while (0)

void check_loaded(const GatewayConfig& config) {
  FUZZ_CHECK(!config.listeners.empty());
  FUZZ_CHECK(!config.backends.empty());
  FUZZ_CHECK(!config.routes.empty());
  for (const auto& route : config.routes) {
    FUZZ_CHECK(config.find_backend(route.backend) != nullptr);
    FUZZ_CHECK(!route.prefix.empty() && route.prefix[0] == '/');
    FUZZ_CHECK(route.timeout.count() > 0);
  }
  for (const auto& backend : config.backends) {
    FUZZ_CHECK(!backend.servers.empty());
    for (const auto& server : backend.servers)
      FUZZ_CHECK(server.address.port != 0);
  }
  for (const auto& listener : config.listeners) {
    FUZZ_CHECK(!listener.name.empty());
    if (listener.tls) {
      FUZZ_CHECK(!listener.tls->certificates.empty());
      for (const auto& certificate : listener.tls->certificates)
        FUZZ_CHECK(certificate.certificate.starts_with('/') &&
                   certificate.private_key.starts_with('/'));
    }
  }
  FUZZ_CHECK(config.server.workers >= 0);
  FUZZ_CHECK(config.server.drain_timeout.count() >= 0);
  if (config.sso)
    for (const auto& key : config.sso->keys)
      FUZZ_CHECK(key.file.starts_with('/'));
}

void check_errors(const std::vector<ConfigError>& errors) {
  FUZZ_CHECK(!errors.empty());
  int last_line = -1;
  for (const auto& error : errors) {
    FUZZ_CHECK(error.file == "fuzz.toml");
    FUZZ_CHECK(!error.message.empty());
    FUZZ_CHECK(error.line >= 0 && error.column >= 0);
    FUZZ_CHECK(error.line >= last_line); // sorted in file order
    last_line = error.line;
    std::string line = error.to_string();
    FUZZ_CHECK(line.starts_with("fuzz.toml"));
    FUZZ_CHECK(line.find('\n') == std::string::npos); // one error, one line
    FUZZ_CHECK(line.find('\r') == std::string::npos);
  }
}

void check_scalars(std::string_view text) {
  if (auto duration = parse_duration(text)) {
    FUZZ_CHECK(!text.empty());
    FUZZ_CHECK(duration->count() < (std::int64_t{1} << 62) + 1);
  }
  if (auto host_port = parse_host_port(text)) {
    auto again = parse_host_port(host_port->to_string());
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->host == host_port->host && again->port == host_port->port);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  LoadOptions options;
  options.check_files = false;
  auto result = load_config_string(text, "fuzz.toml", "/etc/stgw", options);
  if (result)
    check_loaded(**result);
  else
    check_errors(result.error());
  check_scalars(text);
  return 0;
}
