#pragma once

namespace CLI {
class App;
}

namespace stgw::cli {

// stgw demo: throwaway keys and certificate, stps-sim on loopback, the gateway in front.
void register_demo_command(CLI::App& app, int& exit_code);

} // namespace stgw::cli
