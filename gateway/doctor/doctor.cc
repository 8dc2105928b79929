#include "gateway/doctor/doctor.h"

#include <grp.h>
#include <pwd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <expected>
#include <fstream>
#include <functional>
#include <iterator>
#include <thread>

#include <nlohmann/json.hpp>

#include "gateway/doctor/live_checks.h"

namespace stgw::doctor {

namespace {

// Product files are small; anything larger is not the file the option asks for.
constexpr std::streamsize kMaxProductFile = 16 << 20;

std::expected<std::string, std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::unexpected("cannot open " + path + ": " + std::strerror(errno));
  std::string text;
  char buffer[64 * 1024];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > static_cast<std::size_t>(kMaxProductFile))
      return std::unexpected(path + " is larger than 16 MiB");
  }
  if (in.bad())
    return std::unexpected("cannot read " + path);
  return text;
}

using FileCheck = std::function<std::vector<CheckResult>(std::string_view text)>;

// Runs |check| on the file at |path|, or reports SKIP when no path was given and FAIL when it
// cannot be read.
std::vector<CheckResult> file_check(std::string_view id, const std::string& path,
                                    std::string_view option, const FileCheck& check) {
  if (path.empty())
    return {{std::string(id), Severity::Skip, "no " + std::string(option) + " given", "", {}}};
  auto text = read_text_file(path);
  if (!text)
    return {{std::string(id),
             Severity::Fail,
             text.error(),
             "pass the path of the real file to " + std::string(option),
             {}}};
  return check(*text);
}

std::string current_user() {
  if (const passwd* pw = getpwuid(geteuid()))
    return pw->pw_name;
  return std::to_string(geteuid());
}

std::vector<std::string> groups_of(const std::string& user) {
  std::vector<std::string> out;
  const passwd* pw = getpwnam(user.c_str());
  if (!pw)
    return out;
  int count = 64;
  std::vector<gid_t> gids(static_cast<std::size_t>(count));
  if (getgrouplist(user.c_str(), pw->pw_gid, gids.data(), &count) < 0) {
    gids.resize(static_cast<std::size_t>(count));
    if (getgrouplist(user.c_str(), pw->pw_gid, gids.data(), &count) < 0)
      return out;
  }
  gids.resize(static_cast<std::size_t>(count));
  for (gid_t gid : gids)
    if (const group* gr = getgrgid(gid))
      out.push_back(gr->gr_name);
  return out;
}

std::int64_t limit_value(rlim_t value) {
  return value == RLIM_INFINITY ? INT64_MAX : static_cast<std::int64_t>(value);
}

int resolved_workers(const config::GatewayConfig& config, int workers) {
  if (workers > 0)
    return workers;
  if (config.server.workers > 0)
    return config.server.workers;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

std::vector<CheckResult> nofile_check(const config::GatewayConfig& config,
                                      const DoctorOptions& options) {
  config::NofileFacts facts;
  facts.user = options.user.empty() ? current_user() : options.user;
  facts.groups = groups_of(facts.user);
  facts.workers = resolved_workers(config, options.workers);
  // This process's limit is the gateway's only when it is started the same way (same account,
  // same login session); the text says so.
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    facts.running_soft = limit_value(limit.rlim_cur);
    facts.running_hard = limit_value(limit.rlim_max);
  }
  if (!options.limits_conf.empty()) {
    auto text = read_text_file(options.limits_conf);
    if (!text)
      return {{"nofile", Severity::Fail, text.error(), "pass the real file to --limits-conf", {}}};
    facts.limits_conf = std::move(*text);
    facts.limits_conf_name = options.limits_conf;
  }
  return config::check_nofile(config, facts);
}

void append(std::vector<CheckResult>& to, std::vector<CheckResult> from) {
  std::move(from.begin(), from.end(), std::back_inserter(to));
}

} // namespace

bool Report::failed() const {
  return std::any_of(results.begin(), results.end(),
                     [](const CheckResult& r) { return r.severity == Severity::Fail; });
}

Report run_doctor(const config::GatewayConfig& config, const DoctorOptions& options) {
  Report report;
  auto& out = report.results;
  append(out, config::check_sso_domain(config));
  append(out, config::check_sso_cookies(config));
  append(out, check_sso_keys(config));
  append(out, nofile_check(config, options));
  append(out, file_check("inotes", options.notes_ini, "--notes-ini", [&](std::string_view text) {
           return config::check_notes_ini(config, text, options.notes_ini);
         }));
  append(out, file_check("connections", options.connections_config, "--connections-config",
                         [&](std::string_view text) {
                           return config::check_connections_config(config, text,
                                                                   options.connections_config);
                         }));
  append(out, file_check("portal", options.portal_properties, "--portal-properties",
                         [&](std::string_view text) {
                           return config::check_portal_properties(config, text,
                                                                  options.portal_properties);
                         }));
  append(out, file_check("portal-profile", options.portal_profile, "--portal-profile",
                         [&](std::string_view text) {
                           return config::check_portal_profile(text, options.portal_profile);
                         }));
  append(out, check_listener_certs(config, options.now));
  if (options.network) {
    append(out, check_backend_reach(config));
    append(out, check_backend_tls(config));
  } else {
    out.push_back({"backend-reach", Severity::Skip, "network checks disabled", "", {}});
    out.push_back({"backend-tls", Severity::Skip, "network checks disabled", "", {}});
  }
  return report;
}

std::string format_text(const Report& report) {
  std::string out;
  for (const CheckResult& r : report.results) {
    out += r.to_line() + "\n";
    for (const std::string& line : r.detail)
      out += "    " + line + "\n";
  }
  return out;
}

std::string format_json(const Report& report) {
  nlohmann::ordered_json checks = nlohmann::ordered_json::array();
  int counts[4] = {0, 0, 0, 0};
  for (const CheckResult& r : report.results) {
    ++counts[static_cast<int>(r.severity)];
    checks.push_back({{"check", r.check},
                      {"status", config::to_string(r.severity)},
                      {"found", r.found},
                      {"fix", r.fix},
                      {"detail", r.detail}});
  }
  nlohmann::ordered_json doc = {
      {"ok", !report.failed()},
      {"summary",
       {{"ok", counts[0]}, {"warn", counts[1]}, {"fail", counts[2]}, {"skip", counts[3]}}},
      {"checks", std::move(checks)}};
  // Replace, not throw, on bytes that are not UTF-8 (paths and names come from files).
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

} // namespace stgw::doctor
