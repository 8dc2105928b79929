#pragma once

// The checks of `stgw doctor` that need no network: the gateway config against itself (SSO
// domain, cookie names) and against the product files an administrator has (notes.ini,
// LotusConnections-config.xml, Portal properties and theme profile, limits.conf). Pure: the
// caller reads the files and the running limits and passes their content in. The live checks
// (backends, certificates) are in gateway/doctor.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/gateway_config.h"

namespace stgw::config {

enum class Severity {
  Ok,   // checked and consistent
  Warn, // works, but not as the guide recommends; does not fail the doctor
  Fail, // the integration will not work as configured; the doctor exits 1
  Skip, // not checked: its input was not given or does not apply
};
std::string_view to_string(Severity severity); // "OK" | "WARN" | "FAIL" | "SKIP"

// One line of the doctor's report. A check yields one result per thing it checked, or one per
// problem found in it.
struct CheckResult {
  std::string check; // the check id, e.g. "sso-domain"
  Severity severity = Severity::Ok;
  std::string found;               // what was found; never a secret
  std::string fix;                 // what to do; empty for OK and SKIP
  std::vector<std::string> detail; // extra lines, e.g. a certificate chain as PEM

  // "OK sso-domain: found" or "FAIL sso-domain: found (fix: fix)".
  std::string to_line() const;
};

std::vector<CheckResult> check_sso_domain(const GatewayConfig& config);
std::vector<CheckResult> check_sso_cookies(const GatewayConfig& config);

// |text| is the file content; |name| the path, for the messages.
std::vector<CheckResult> check_notes_ini(const GatewayConfig& config, std::string_view text,
                                         std::string_view name);
std::vector<CheckResult> check_connections_config(const GatewayConfig& config,
                                                  std::string_view text, std::string_view name);
std::vector<CheckResult> check_portal_properties(const GatewayConfig& config, std::string_view text,
                                                 std::string_view name);
std::vector<CheckResult> check_portal_profile(std::string_view text, std::string_view name);

// Inputs of the nofile check besides the config.
struct NofileFacts {
  std::optional<std::int64_t> running_soft; // RLIMIT_NOFILE of this process; INT64_MAX = unlimited
  std::optional<std::int64_t> running_hard;
  std::optional<std::string> limits_conf; // its content when --limits-conf was given
  std::string limits_conf_name;
  std::string user;                // the account the gateway runs as
  std::vector<std::string> groups; // its groups, for "@group" lines
  int workers = 0;                 // see config/budget_math.h
};

// The running limit and limits.conf must cover the budget: nofile_needed() for
// max_client_connections, or when that is 0 (capacity derived from the limit) a limit that
// gives at least one client connection, with a WARN below the guide's 65535.
std::vector<CheckResult> check_nofile(const GatewayConfig& config, const NofileFacts& facts);

} // namespace stgw::config
