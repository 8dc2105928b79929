// The stgw command line: wires every subcommand group; see DESIGN.md "Command line".
#include <CLI/CLI.hpp>

#include "gateway/cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"stgw — Sametime gateway: reverse proxy and LTPA single sign-on"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("stgw ") + STGW_VERSION);
  int exit_code = 0;
  stgw::cli::register_serve_commands(app, exit_code);
  stgw::cli::register_config_commands(app, exit_code);
  auto* config_app = app.get_subcommand("config");
  stgw::cli::register_integration_commands(app, *config_app, exit_code);
  stgw::cli::register_sso_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Usage errors exit 2 (CLI11's own codes are not stable across versions).
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return exit_code;
}
