// stgw serve: run the gateway from a configuration file.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "config/loader.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/demo.h"
#include "gateway/server/gateway.h"

namespace stgw::cli {
namespace {

int serve(const std::string& path, int workers) {
  auto loaded = config::load_config_file(path);
  if (!loaded) {
    for (const auto& error : loaded.error())
      fmt::print(stderr, "{}\n", error.to_string());
    return 1;
  }
  config::ConfigPtr config = *loaded;
  if (workers > 0) {
    auto copy = std::make_shared<config::GatewayConfig>(*config);
    copy->server.workers = workers;
    config = copy;
  }
  auto gateway = server::Gateway::create(config, {.config_path = path});
  if (!gateway) {
    for (const auto& error : gateway.error())
      fmt::print(stderr, "error: {}\n", error);
    return 1;
  }
  return (*gateway)->run();
}

} // namespace

void register_serve_commands(CLI::App& app, int& exit_code) {
  auto* serve_app = app.add_subcommand("serve", "run the gateway (SIGTERM drains, SIGHUP reloads)");
  auto path = std::make_shared<std::string>("gateway.toml");
  auto workers = std::make_shared<int>(0);
  serve_app->add_option("-c,--config", *path, "configuration file")->capture_default_str();
  serve_app->add_option("--workers", *workers, "override server.workers");
  serve_app->callback([path, workers, &exit_code] { exit_code = serve(*path, *workers); });
  register_demo_command(app, exit_code);
}

} // namespace stgw::cli
