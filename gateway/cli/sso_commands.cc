#include <CLI/CLI.hpp>

#include "gateway/cli/commands.h"

namespace stgw::cli {
void register_sso_commands(CLI::App&, int&) {}
} // namespace stgw::cli
