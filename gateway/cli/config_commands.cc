#include <CLI/CLI.hpp>

#include "gateway/cli/commands.h"

namespace stgw::cli {
void register_config_commands(CLI::App& app, int&) { app.add_subcommand("config", "check or render the configuration")->require_subcommand(1); }
} // namespace stgw::cli
