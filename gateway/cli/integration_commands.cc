#include <CLI/CLI.hpp>

#include "gateway/cli/commands.h"

namespace stgw::cli {
void register_integration_commands(CLI::App&, CLI::App&, int&) {}
} // namespace stgw::cli
