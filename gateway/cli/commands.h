#pragma once

// Each group of subcommands registers itself on the root CLI11 app. A subcommand's callback
// stores its process exit code in |exit_code|; main() returns it.

namespace CLI {
class App;
}

namespace stgw::cli {

// serve, demo (serve_commands.cc)
void register_serve_commands(CLI::App& app, int& exit_code);
// config check (config_commands.cc)
void register_config_commands(CLI::App& app, int& exit_code);
// config render, doctor (integration_commands.cc); |config_app| is the "config" subcommand
void register_integration_commands(CLI::App& app, CLI::App& config_app, int& exit_code);
// keys generate|inspect, token mint|verify (sso_commands.cc)
void register_sso_commands(CLI::App& app, int& exit_code);

} // namespace stgw::cli
