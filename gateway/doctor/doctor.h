#pragma once

// `stgw doctor`: every integration check in one report. The checks on files are pure and live
// in config/product_files_lint.h; this module adds what needs the machine (running limits, the
// account, files on disk) and the network (backends), and formats the report.

#include <chrono>
#include <string>
#include <vector>

#include "config/gateway_config.h"
#include "config/product_files_lint.h"

namespace stgw::doctor {

using config::CheckResult;
using config::Severity;

struct DoctorOptions {
  // Product files to check; empty = not given, and the check is reported as SKIP.
  std::string notes_ini;
  std::string connections_config;
  std::string portal_properties;
  std::string portal_profile;
  std::string limits_conf;
  std::string user;    // the account the gateway runs as; empty = the current one
  int workers = 0;     // worker threads for the budget; 0 = [server] workers, else the core count
  bool network = true; // backend-reach and backend-tls (false: reported as SKIP)
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

struct Report {
  std::vector<CheckResult> results;

  bool failed() const; // any FAIL: the doctor exits 1
};

// Runs every check in a fixed order: sso-domain, sso-cookies, sso-keys, nofile, inotes,
// connections, portal, portal-profile, listener-cert, backend-reach, backend-tls.
Report run_doctor(const config::GatewayConfig& config, const DoctorOptions& options);

// One line per result ("OK|WARN|FAIL|SKIP <check>: <found> (fix: <fix>)"), detail lines
// (such as PEM) indented by four spaces below their result.
std::string format_text(const Report& report);

// {"ok": bool, "summary": {"ok","warn","fail","skip"}, "checks": [{"check","status","found",
// "fix","detail"}]}, one JSON document followed by a newline.
std::string format_json(const Report& report);

} // namespace stgw::doctor
