// stgw demo: the embedded default. A throwaway certificate and LTPA keys in a temporary
// folder, stps-sim on a loopback port, and the gateway in front of it, with curl lines to try.

#include "gateway/cli/demo.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "config/loader.h"
#include "gateway/cli/child_process.h"
#include "gateway/cli/demo_certificate.h"
#include "gateway/cli/demo_sso.h"
#include "gateway/server/gateway.h"

namespace stgw::cli {
namespace {

namespace fs = std::filesystem;

struct DemoOptions {
  int port = 8443;
  int admin_port = 9901;
  std::string stps_sim;
  std::string poll_hold = "25s";
  bool keep_folder = false;
};

// Removes the demo folder (keys, certificate) when the demo ends.
class TempFolder {
public:
  TempFolder() {
    std::string pattern = (fs::temp_directory_path() / "stgw-demo-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr)
      path_ = pattern;
  }
  ~TempFolder() {
    if (!path_.empty() && !keep_)
      fs::remove_all(path_);
  }
  const std::string& path() const { return path_; }
  void keep() { keep_ = true; }

private:
  std::string path_;
  bool keep_ = false;
};

std::string find_stps_sim(const std::string& configured) {
  if (!configured.empty())
    return configured;
  std::error_code error;
  fs::path self = fs::read_symlink("/proc/self/exe", error);
  for (const fs::path& candidate :
       {self.parent_path() / "stps-sim", self.parent_path() / "../../loadtest/stps_sim/stps-sim"})
    if (fs::exists(candidate, error))
      return fs::weakly_canonical(candidate).string();
  if (const char* path = std::getenv("PATH")) {
    std::string_view rest(path);
    while (!rest.empty()) {
      auto colon = rest.find(':');
      fs::path candidate = fs::path(std::string(rest.substr(0, colon))) / "stps-sim";
      if (fs::exists(candidate, error))
        return candidate.string();
      rest = colon == std::string_view::npos ? "" : rest.substr(colon + 1);
    }
  }
  return {};
}

int choose_port(int wanted) {
  return port_is_free(wanted) ? wanted : pick_free_port();
}

std::string demo_config(const DemoOptions& options, int backend_port, const DemoSso& sso) {
  return fmt::format(R"(# Written by `stgw demo`: a throwaway setup on loopback.
[server]
workers = 2
drain_timeout = "5s"

[[listener]]
name = "https"
address = "127.0.0.1:{port}"
tls = {{ certificate = "cert.pem", private_key = "key.pem" }}

[admin]
address = "127.0.0.1:{admin}"

{sso}
[[backend]]
name = "stps"
servers = [ {{ address = "127.0.0.1:{backend}", clone_id = "demo1" }} ]
health_check = {{ path = "/", interval = "2s" }}

[[route]]
prefix = "/stwebapi/"
backend = "stps"
auth = "required"
timeout = "90s"

[[route]]
prefix = "/stwebclient/"
backend = "stps"
auth = "optional"

[[route]]
prefix = "/"
backend = "stps"
auth = "optional"

[integration]
public_url = "https://localhost:{port}"
)",
                     fmt::arg("port", options.port), fmt::arg("admin", options.admin_port),
                     fmt::arg("backend", backend_port), fmt::arg("sso", sso.toml));
}

void print_instructions(const DemoOptions& options, const std::string& folder, int backend_port,
                        const DemoSso& sso) {
  std::string base = fmt::format("https://localhost:{}", options.port);
  std::string curl = fmt::format("curl --cacert {}/cert.pem", folder);
  fmt::print(R"TEXT(
stgw demo is running. Ctrl-C drains and stops it.
  gateway   {base}  (throwaway certificate {folder}/cert.pem)
  backend   stps-sim on 127.0.0.1:{backend}
  config    {folder}/gateway.toml
  user      {user} (LtpaToken2 in {folder}/ltpatoken2.txt)

Try:
  {curl} {base}/stbaseapi/baseComps.js
  {curl} -i {base}/stwebapi/user/connect                      # 401: no LTPA cookie
  {curl} -i -H "Cookie: LtpaToken2=$(cat {folder}/ltpatoken2.txt)" {base}/stwebapi/user/connect
  {curl} -H "Cookie: LtpaToken2=$(cat {folder}/ltpatoken2.txt)" '{base}/stwebapi/poll?hold=5'
  {curl} -H "Cookie: LtpaToken2=$(cat {folder}/ltpatoken2.txt)" -H '$WSRA: 6.6.6.6' {base}/echo   # what STPS receives
  curl http://127.0.0.1:{admin}/metrics

)TEXT",
             fmt::arg("base", base), fmt::arg("folder", folder), fmt::arg("backend", backend_port),
             fmt::arg("curl", curl), fmt::arg("admin", options.admin_port),
             fmt::arg("user", sso.user));
  std::fflush(stdout);
}

int run_demo(DemoOptions options) {
  TempFolder folder;
  if (folder.path().empty()) {
    fmt::print(stderr, "demo: cannot create a temporary folder\n");
    return 1;
  }
  if (options.keep_folder)
    folder.keep();
  if (auto written = write_demo_certificate(folder.path()); !written) {
    fmt::print(stderr, "demo: {}\n", written.error());
    return 1;
  }
  auto sso = prepare_demo_sso(folder.path());
  if (!sso) {
    fmt::print(stderr, "demo: {}\n", sso.error());
    return 1;
  }
  std::string sim = find_stps_sim(options.stps_sim);
  if (sim.empty()) {
    fmt::print(stderr, "demo: stps-sim not found; build it or pass --stps-sim PATH\n");
    return 1;
  }
  int backend_port = pick_free_port();
  auto backend = ChildProcess::start({sim, "--listen", fmt::format("127.0.0.1:{}", backend_port),
                                      "--clone-id", "demo1", "--poll-hold", options.poll_hold},
                                     std::chrono::seconds(10));
  if (!backend) {
    fmt::print(stderr, "demo: {}\n", backend.error());
    return 1;
  }
  options.port = choose_port(options.port);
  options.admin_port = choose_port(options.admin_port);
  std::string config_path = folder.path() + "/gateway.toml";
  std::ofstream(config_path) << demo_config(options, backend_port, *sso);
  auto loaded = config::load_config_file(config_path);
  if (!loaded) {
    for (const auto& error : loaded.error())
      fmt::print(stderr, "demo: {}\n", error.to_string());
    return 1;
  }
  auto gateway =
      server::Gateway::create(*loaded, {.config_path = config_path, .print_ready_line = false});
  if (!gateway) {
    for (const auto& error : gateway.error())
      fmt::print(stderr, "demo: {}\n", error);
    return 1;
  }
  print_instructions(options, folder.path(), backend_port, *sso);
  return (*gateway)->run();
}

} // namespace

void register_demo_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<DemoOptions>();
  auto* demo =
      app.add_subcommand("demo", "run a throwaway gateway in front of stps-sim on loopback");
  demo->add_option("--port", options->port, "HTTPS port (another free one if taken)")
      ->capture_default_str();
  demo->add_option("--admin-port", options->admin_port, "admin port (metrics)")
      ->capture_default_str();
  demo->add_option("--stps-sim", options->stps_sim, "path of the stps-sim binary");
  demo->add_option("--poll-hold", options->poll_hold, "how long stps-sim holds a poll")
      ->capture_default_str();
  demo->add_flag("--keep", options->keep_folder, "keep the temporary folder after exit");
  demo->callback([options, &exit_code] { exit_code = run_demo(*options); });
}

} // namespace stgw::cli
