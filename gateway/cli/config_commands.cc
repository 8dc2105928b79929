// `stgw config ...`: this file creates the "config" group and its `check` subcommand; `config
// render` is added to the same group by integration_commands.cc.

#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "config/loader.h"
#include "gateway/cli/commands.h"

namespace stgw::cli {
namespace {

struct CheckOptions {
  std::string config_path;
  bool no_file_checks = false;
};

std::string counted(std::size_t count, std::string_view singular) {
  return fmt::format("{} {}{}", count, singular, count == 1 ? "" : "s");
}

// "config ok: 2 listeners, 4 routes, 1 backend (2 servers), sso on"
std::string summary(const config::GatewayConfig& config) {
  std::size_t servers = 0;
  for (const auto& backend : config.backends)
    servers += backend.servers.size();
  return fmt::format(
      "config ok: {}, {}, {} ({}), sso {}", counted(config.listeners.size(), "listener"),
      counted(config.routes.size(), "route"), counted(config.backends.size(), "backend"),
      counted(servers, "server"), config.sso ? "on" : "off");
}

// Errors go to stderr one per line (they name keys and paths, never file contents) → exit 1.
int run_check(const CheckOptions& options) {
  config::LoadOptions load_options;
  load_options.check_files = !options.no_file_checks;
  auto loaded = config::load_config_file(options.config_path, load_options);
  if (!loaded) {
    for (const auto& error : loaded.error())
      fmt::print(stderr, "{}\n", error.to_string());
    return 1;
  }
  fmt::print("{}\n", summary(**loaded));
  return 0;
}

} // namespace

void register_config_commands(CLI::App& app, int& exit_code) {
  CLI::App* config_app = app.add_subcommand("config", "check or render the configuration");
  config_app->require_subcommand(1);

  auto options = std::make_shared<CheckOptions>();
  CLI::App* check = config_app->add_subcommand(
      "check", "validate a configuration file: exit 0, or 1 with every error listed");
  check->add_option("-c,--config", options->config_path, "the gateway TOML file")->required();
  check->add_flag("--no-file-checks", options->no_file_checks,
                  "do not check that the certificate, key and secret files it names exist "
                  "(for a file written for another machine)");
  check->callback([options, &exit_code] { exit_code = run_check(*options); });
}

} // namespace stgw::cli
