// `stgw config render` and `stgw doctor`: the integration work an administrator otherwise does
// by hand in five products, from the gateway's one TOML file (docs/INTEGRATION.md).
//
// Exit codes: render 0 on success, 1 when the config cannot be loaded or the target cannot be
// rendered; doctor 0 when no check FAILs, 1 otherwise (an unloadable config is a FAIL); 2 for
// usage errors (CLI11 parse errors are mapped to 2 by main()).

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <expected>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "config/loader.h"
#include "config/render.h"
#include "gateway/cli/commands.h"
#include "gateway/doctor/doctor.h"
#include "gateway/doctor/live_checks.h"

namespace stgw::cli {
namespace {

struct RenderCommand {
  std::string config_path;
  std::string target;
  std::string out;
  std::string format = "properties";
  std::string input;
  std::string user = "stgw";
  int workers = 0;
  std::vector<std::string> gateway_addresses;
};

struct DoctorCommand {
  std::string config_path;
  doctor::DoctorOptions options;
  bool json = false;
  bool no_network = false;
};

// The config is loaded without checking the files it names: render may run on another machine,
// and the doctor reports unreadable key and certificate files as findings of its own checks.
config::ConfigResult load(const std::string& path) {
  config::LoadOptions options;
  options.check_files = false;
  return config::load_config_file(path, options);
}

std::expected<std::string, std::string> read_input(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::unexpected(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad())
    return std::unexpected(fmt::format("cannot read {}", path));
  return text;
}

// Writes through a temporary file and a rename, so that `--input F --out F` never leaves a
// half-written product file behind.
std::expected<void, std::string> write_output(const std::string& path, const std::string& text) {
  const std::string temp = path + ".stgw-tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out)
      return std::unexpected(fmt::format("cannot write {}: {}", temp, std::strerror(errno)));
    out << text;
    out.flush();
    if (!out) {
      std::filesystem::remove(temp);
      return std::unexpected(fmt::format("cannot write {}", temp));
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::filesystem::remove(temp);
    return std::unexpected(fmt::format("cannot replace {}: {}", path, ec.message()));
  }
  return {};
}

int run_render(const RenderCommand& command) {
  auto loaded = load(command.config_path);
  if (!loaded) {
    for (const auto& error : loaded.error())
      fmt::print(stderr, "{}\n", error.to_string());
    return 1;
  }
  const config::GatewayConfig& config = **loaded;
  config::RenderOptions options;
  options.portal_format = command.format == "wsadmin" ? config::PortalFormat::Wsadmin
                                                      : config::PortalFormat::Properties;
  options.limits_user = command.user;
  options.workers = command.workers;
  for (const std::string& address : command.gateway_addresses) {
    if (address != "auto") {
      options.gateway_addresses.push_back(address);
      continue;
    }
    for (std::string& found : doctor::local_addresses_toward_backends(config))
      options.gateway_addresses.push_back(std::move(found));
  }
  if (!command.input.empty()) {
    auto text = read_input(command.input);
    if (!text) {
      fmt::print(stderr, "stgw config render: {}\n", text.error());
      return 1;
    }
    options.input = std::move(*text);
    options.input_name = command.input;
  }
  const auto target = config::parse_render_target(command.target);
  auto rendered = config::render(config, *target, options);
  if (!rendered) {
    fmt::print(stderr, "stgw config render: {}\n", rendered.error().message);
    return 1;
  }
  // JSON cannot carry the "where it goes" comment; say it on stderr instead.
  if (*target == config::RenderTarget::PortalProfile)
    fmt::print(stderr, "stgw config render: {}\n", rendered->destination);
  if (command.out.empty()) {
    fmt::print("{}", rendered->text);
    return 0;
  }
  if (auto written = write_output(command.out, rendered->text); !written) {
    fmt::print(stderr, "stgw config render: {}\n", written.error());
    return 1;
  }
  return 0;
}

int run_doctor(const DoctorCommand& command) {
  doctor::Report report;
  auto loaded = load(command.config_path);
  if (!loaded) {
    for (const auto& error : loaded.error())
      report.results.push_back({"config",
                                doctor::Severity::Fail,
                                error.to_string(),
                                "correct the configuration (stgw config check -c " +
                                    command.config_path + " lists every error)",
                                {}});
  } else {
    doctor::DoctorOptions options = command.options;
    options.network = !command.no_network;
    report = doctor::run_doctor(**loaded, options);
  }
  fmt::print("{}", command.json ? doctor::format_json(report) : doctor::format_text(report));
  return report.failed() ? 1 : 0;
}

void register_render(CLI::App& config_app, int& exit_code) {
  auto command = std::make_shared<RenderCommand>();
  CLI::App* render = config_app.add_subcommand(
      "render", "print the settings the integrated products need, from the gateway config");
  render->add_option("-c,--config", command->config_path, "the gateway TOML file")->required();
  render->add_option("--for", command->target, "what to render")
      ->required()
      ->check(
          CLI::IsMember({"inotes", "connections", "portal", "portal-profile", "limits", "was"}));
  render->add_option("--out", command->out, "write to this file instead of stdout");
  render->add_option("--format", command->format, "portal: properties (default) or wsadmin")
      ->check(CLI::IsMember({"properties", "wsadmin"}));
  render->add_option("--input", command->input, "portal-profile: the theme's profile_full.json")
      ->check(CLI::ExistingFile);
  render->add_option("--user", command->user, "limits: the account the gateway runs as")
      ->capture_default_str();
  render
      ->add_option("--workers", command->workers,
                   "limits: worker threads (default: [server] workers, else 1)")
      ->check(CLI::NonNegativeNumber);
  render->add_option("--gateway-address", command->gateway_addresses,
                     "was: an address STPS sees the gateway connect from; \"auto\" looks up the "
                     "route to each backend (repeatable)");
  render->callback([command, &exit_code] {
    if (command->target == "portal-profile" && command->input.empty()) {
      fmt::print(stderr, "stgw config render: --for portal-profile needs --input "
                         "profile_full.json\n");
      exit_code = 2;
      return;
    }
    exit_code = run_render(*command);
  });
}

void register_doctor(CLI::App& app, int& exit_code) {
  auto command = std::make_shared<DoctorCommand>();
  auto& options = command->options;
  CLI::App* doctor_app = app.add_subcommand(
      "doctor", "check the integration: config, keys, limits, product files, certificates and "
                "backends; exit 1 if any check FAILs");
  doctor_app->add_option("-c,--config", command->config_path, "the gateway TOML file")->required();
  doctor_app->add_option("--notes-ini", options.notes_ini, "Domino notes.ini of an iNotes server");
  doctor_app->add_option("--connections-config", options.connections_config,
                         "IBM Connections LotusConnections-config.xml");
  doctor_app->add_option("--portal-properties", options.portal_properties,
                         "WP CommonComponentConfigService properties (name=value)");
  doctor_app->add_option("--portal-profile", options.portal_profile,
                         "Portal theme profile (profile_full.json)");
  doctor_app->add_option("--limits-conf", options.limits_conf, "/etc/security/limits.conf");
  doctor_app->add_option("--user", options.user,
                         "the account the gateway runs as (default: the current one)");
  doctor_app
      ->add_option("--workers", options.workers,
                   "worker threads (default: [server] workers, else the core count)")
      ->check(CLI::NonNegativeNumber);
  doctor_app->add_flag("--json", command->json, "one JSON document instead of lines");
  doctor_app->add_flag("--no-network", command->no_network, "skip backend-reach and backend-tls");
  doctor_app->callback([command, &exit_code] { exit_code = run_doctor(*command); });
}

} // namespace

void register_integration_commands(CLI::App& app, CLI::App& config_app, int& exit_code) {
  register_render(config_app, exit_code);
  register_doctor(app, exit_code);
}

} // namespace stgw::cli
