#include "config/product_files_lint.h"

#include <algorithm>
#include <cctype>

#include "config/budget_math.h"
#include "config/product_files.h"
#include "config/render.h"
#include "config/render_url.h"

namespace stgw::config {

namespace {

CheckResult ok(std::string_view check, std::string found) {
  return {std::string(check), Severity::Ok, std::move(found), "", {}};
}
CheckResult warn(std::string_view check, std::string found, std::string fix) {
  return {std::string(check), Severity::Warn, std::move(found), std::move(fix), {}};
}
CheckResult fail(std::string_view check, std::string found, std::string fix) {
  return {std::string(check), Severity::Fail, std::move(found), std::move(fix), {}};
}
CheckResult skip(std::string_view check, std::string found) {
  return {std::string(check), Severity::Skip, std::move(found), "", {}};
}

bool has_problem(const std::vector<CheckResult>& results) {
  return std::any_of(results.begin(), results.end(),
                     [](const CheckResult& r) { return r.severity != Severity::Ok; });
}

std::string quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool accepts(const SsoConfig& sso, TokenFormat format) {
  return std::find(sso.accept.begin(), sso.accept.end(), format) != sso.accept.end();
}

bool accepts_v1(const SsoConfig& sso) {
  return accepts(sso, TokenFormat::Ltpa1) || accepts(sso, TokenFormat::Domino);
}

// A URL found in a product file points at the gateway when scheme, host, port and path match
// one of the gateway's endpoints.
bool points_at(const Url& url, const std::optional<Url>& endpoint) {
  return endpoint && same_endpoint(url, *endpoint) && url.path == endpoint->path;
}

bool points_at_gateway(const Url& url, const GatewayEndpoints& endpoints) {
  return points_at(url, endpoints.https) || points_at(url, endpoints.http);
}

std::string expected_urls(const GatewayEndpoints& endpoints) {
  std::string out;
  if (endpoints.https)
    out = endpoints.https->to_string();
  if (endpoints.http)
    out += (out.empty() ? "" : " or ") + endpoints.http->to_string();
  return out;
}

std::string at_line(std::string_view name, int line) {
  return std::string(name) + ":" + std::to_string(line);
}

// The gateway endpoints, or a FAIL result for |check| naming the bad public_url.
std::optional<GatewayEndpoints> endpoints_or_fail(const GatewayConfig& config,
                                                  std::string_view check,
                                                  std::vector<CheckResult>& out) {
  auto endpoints = gateway_endpoints(config);
  if (endpoints)
    return *endpoints;
  out.push_back(fail(check, endpoints.error(),
                     "set [integration] public_url to the URL browsers use to reach the gateway, "
                     "e.g. \"https://st.example.com\""));
  return std::nullopt;
}

} // namespace

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::Ok:
      return "OK";
    case Severity::Warn:
      return "WARN";
    case Severity::Fail:
      return "FAIL";
    case Severity::Skip:
      return "SKIP";
  }
  return "?";
}

std::string CheckResult::to_line() const {
  std::string line = std::string(to_string(severity)) + " " + check + ": " + found;
  if (!fix.empty())
    line += " (fix: " + fix + ")";
  return line;
}

// ---- sso-domain

namespace {

constexpr std::string_view kSsoDomain = "sso-domain";

struct NamedHost {
  std::string what; // "public_url", "connections_url", ...
  std::string host;
};

std::vector<NamedHost> product_hosts(const GatewayConfig& config, std::vector<CheckResult>& out) {
  std::vector<NamedHost> hosts;
  const auto add = [&](const std::string& what, const std::string& entry) {
    if (entry.empty())
      return;
    if (auto host = product_host(entry)) {
      hosts.push_back({what, *host});
    } else {
      out.push_back(fail(kSsoDomain, what + " " + quoted(entry) + " has no usable host name",
                         "write it as a URL, e.g. \"https://host.example.com\""));
    }
  };
  add("[integration] public_url", config.integration.public_url);
  for (const std::string& server : config.integration.inotes_servers)
    add("[integration] inotes_servers", server);
  add("[integration] connections_url", config.integration.connections_url);
  add("[integration] portal_url", config.integration.portal_url);
  // A login_url that is a path stays on the gateway's host, already checked.
  if (config.sso && !config.sso->login_url.starts_with('/'))
    add("[sso] login_url", config.sso->login_url);
  return hosts;
}

bool in_domain(const std::string& host, const std::string& domain) {
  // RFC 6265: a cookie for ".example.com" reaches example.com and every name below it.
  return host == domain.substr(1) || host.ends_with(domain);
}

} // namespace

std::vector<CheckResult> check_sso_domain(const GatewayConfig& config) {
  std::vector<CheckResult> out;
  if (!config.sso)
    return {skip(kSsoDomain, "no [sso] section")};
  const std::string domain = lower(config.sso->domain);
  const std::string fix_format = "set [sso] domain to the DNS suffix shared by the gateway and "
                                 "every product host, with a leading dot (e.g. \".example.com\"), "
                                 "and use the same value in WebSphere's and Domino's SSO settings";
  if (domain.empty())
    return {fail(kSsoDomain, "[sso] domain is empty", fix_format)};
  if (!domain.starts_with('.'))
    return {fail(kSsoDomain, "[sso] domain " + quoted(domain) + " does not start with a dot",
                 fix_format)};
  if (domain.find('.', 1) == std::string::npos || domain.size() < 4)
    return {fail(kSsoDomain,
                 "[sso] domain " + quoted(domain) +
                     " is a top-level domain; browsers refuse "
                     "cookies for it",
                 fix_format)};
  const std::vector<NamedHost> hosts = product_hosts(config, out);
  std::vector<std::string> covered;
  for (const NamedHost& h : hosts) {
    if (is_ip_literal(h.host)) {
      out.push_back(fail(kSsoDomain,
                         h.what + " uses the IP address " + h.host + "; SSO cookies for " + domain +
                             " never reach it",
                         "use a host name under " + domain));
    } else if (!in_domain(h.host, domain)) {
      out.push_back(fail(kSsoDomain,
                         h.what + " host " + h.host + " is not under the SSO domain " + domain +
                             ": users are asked to log in again (\"Unable to log in to Sametime "
                             "Proxy Server\")",
                         "use a host name under " + domain +
                             ", or change [sso] domain (and "
                             "WebSphere's and Domino's SSO domain) to a suffix of every host"));
    } else if (std::find(covered.begin(), covered.end(), h.host) == covered.end()) {
      covered.push_back(h.host);
    }
  }
  if (!has_problem(out)) {
    std::string list;
    for (const std::string& host : covered)
      list += (list.empty() ? "" : ", ") + host;
    out.push_back(ok(kSsoDomain, domain + " covers " + (list.empty() ? "no hosts" : list)));
  }
  return out;
}

// ---- sso-cookies

namespace {

constexpr std::string_view kSsoCookies = "sso-cookies";

// RFC 6265 cookie-name = token (RFC 2616): visible ASCII without separators.
bool valid_cookie_name(std::string_view name) {
  constexpr std::string_view separators = "()<>@,;:\\\"/[]?={} \t";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    return c > 32 && c < 127 && separators.find(c) == std::string_view::npos;
  });
}

} // namespace

std::vector<CheckResult> check_sso_cookies(const GatewayConfig& config) {
  if (!config.sso)
    return {skip(kSsoCookies, "no [sso] section")};
  const SsoConfig& sso = *config.sso;
  std::vector<CheckResult> out;
  const bool v1 = accepts_v1(sso);
  const bool v2 = accepts(sso, TokenFormat::Ltpa2);
  const auto check_name = [&](const std::string& name, std::string_view key, bool needed) {
    if (!needed && name.empty())
      return;
    if (!valid_cookie_name(name))
      out.push_back(
          fail(kSsoCookies,
               "[sso] " + std::string(key) + " " + quoted(name) + " is not a valid cookie name",
               "use the name WebSphere issues (LTPA V1/V2 cookie name in its SSO "
               "settings), normally LtpaToken / LtpaToken2"));
  };
  check_name(sso.cookie_v1, "cookie_v1", v1);
  check_name(sso.cookie_v2, "cookie_v2", v2);
  if (!sso.cookie_v1.empty() && lower(sso.cookie_v1) == lower(sso.cookie_v2))
    out.push_back(fail(kSsoCookies,
                       "cookie_v1 and cookie_v2 are both " + quoted(sso.cookie_v1) +
                           ": LTPA v1 and v2 tokens would overwrite each other",
                       "set cookie_v1 = \"LtpaToken\" and cookie_v2 = \"LtpaToken2\", as in "
                       "WebSphere's interoperability mode"));
  if (has_problem(out))
    return out;
  if (v1 && sso.cookie_v1 != "LtpaToken")
    out.push_back(
        warn(kSsoCookies,
             "cookie_v1 is " + quoted(sso.cookie_v1) + "; Domino and iNotes issue \"LtpaToken\"",
             "set cookie_v1 = \"LtpaToken\" unless every issuer was changed to the "
             "same name"));
  if (v2 && sso.cookie_v2 != "LtpaToken2")
    out.push_back(
        warn(kSsoCookies,
             "cookie_v2 is " + quoted(sso.cookie_v2) + "; WebSphere's default is \"LtpaToken2\"",
             "make sure WebSphere's \"LTPA V2 cookie name\" is the same"));
  if (!v1 && !config.integration.inotes_servers.empty())
    out.push_back(warn(kSsoCookies,
                       "interoperability mode is off (accept has no ltpa1/domino) but iNotes is "
                       "integrated; Domino issues LtpaToken (v1), so iNotes users are not "
                       "recognised",
                       "add \"ltpa1\" and \"domino\" to [sso] accept and enable Interoperability "
                       "mode in WebSphere's SSO settings"));
  if (!has_problem(out))
    out.push_back(ok(kSsoCookies, (v1 ? sso.cookie_v1 + " (v1) and " : std::string()) +
                                      sso.cookie_v2 + " (v2), interoperability mode " +
                                      (v1 ? "on" : "off")));
  return out;
}

// ---- inotes

namespace {

constexpr std::string_view kInotes = "inotes";

// Checks one notes.ini URL setting; returns false when it added a FAIL.
bool check_inotes_url(const NotesIni& ini, std::string_view key, bool ssl,
                      const GatewayEndpoints& endpoints, std::string_view name,
                      std::vector<CheckResult>& out) {
  const std::string fix =
      "set " + std::string(key) + "=" +
      (ssl ? endpoints.https : (endpoints.http ? endpoints.http : endpoints.https))->to_string() +
      " (stgw config render --for inotes)";
  const Setting* setting = ini.find(key);
  if (!setting) {
    out.push_back(fail(kInotes, std::string(name) + ": " + std::string(key) + " is missing", fix));
    return false;
  }
  const std::string where = at_line(name, setting->line) + ": " + std::string(key);
  auto url = parse_url(setting->value);
  if (!url) {
    out.push_back(fail(kInotes, where + "=" + setting->value + " is not an http(s) URL", fix));
    return false;
  }
  if (ssl && !url->is_https()) {
    out.push_back(fail(kInotes, where + " has an http:// URL (" + setting->value + ")", fix));
    return false;
  }
  const bool good = ssl ? points_at(*url, endpoints.https) : points_at_gateway(*url, endpoints);
  if (!good) {
    out.push_back(fail(kInotes,
                       where + "=" + setting->value + " does not point at the gateway (" +
                           expected_urls(endpoints) + ")",
                       fix));
    return false;
  }
  return true;
}

} // namespace

std::vector<CheckResult> check_notes_ini(const GatewayConfig& config, std::string_view text,
                                         std::string_view name) {
  std::vector<CheckResult> out;
  auto endpoints = endpoints_or_fail(config, kInotes, out);
  if (!endpoints)
    return out;
  const NotesIni ini = parse_notes_ini(text);
  const Setting* enable = ini.find("iNotes_WA_SametimeProxy");
  if (!enable || enable->value != "1")
    out.push_back(
        fail(kInotes,
             std::string(name) + ": iNotes_WA_SametimeProxy is " +
                 (enable ? quoted(enable->value) + " at line " + std::to_string(enable->line)
                         : std::string("missing")),
             "set iNotes_WA_SametimeProxy=1 (stgw config render --for inotes)"));
  check_inotes_url(ini, "iNotes_WA_SametimeProxyServer", false, *endpoints, name, out);
  if (endpoints->https)
    check_inotes_url(ini, "iNotes_WA_SametimeProxyServerSSL", true, *endpoints, name, out);
  const Setting* login = ini.find("iNotes_WA_SametimeProxyLogin");
  if (config.sso && login && login->value == "1")
    out.push_back(warn(kInotes,
                       at_line(name, login->line) +
                           ": iNotes_WA_SametimeProxyLogin=1 asks users to log in to Sametime "
                           "although SSO is configured",
                       "set iNotes_WA_SametimeProxyLogin=0"));
  for (std::string_view key : {"iNotes_WA_SametimeProxy", "iNotes_WA_SametimeProxyServer",
                               "iNotes_WA_SametimeProxyServerSSL"}) {
    const auto all = ini.find_all(key);
    if (all.size() > 1 && std::any_of(all.begin(), all.end(), [&](const Setting* s) {
          return s->value != all.front()->value;
        }))
      out.push_back(warn(kInotes,
                         std::string(name) + ": " + std::string(key) + " appears " +
                             std::to_string(all.size()) +
                             " times with different values; Domino "
                             "uses line " +
                             std::to_string(all.front()->line),
                         "keep one " + std::string(key) + " line"));
  }
  if (!has_problem(out))
    out.push_back(ok(kInotes, std::string(name) + " enables the Sametime proxy at " +
                                  expected_urls(*endpoints)));
  return out;
}

// ---- connections

namespace {

constexpr std::string_view kConnections = "connections";
const std::string kRenderConnections = "(stgw config render --for connections)";

bool points_at_backend(const Url& url, const GatewayConfig& config) {
  for (const BackendConfig& backend : config.backends)
    for (const BackendServerConfig& server : backend.servers)
      if (lower(server.address.host) == url.host && server.address.port == url.port)
        return true;
  return false;
}

} // namespace

std::vector<CheckResult> check_connections_config(const GatewayConfig& config,
                                                  std::string_view text, std::string_view name) {
  std::vector<CheckResult> out;
  auto endpoints = endpoints_or_fail(config, kConnections, out);
  if (!endpoints)
    return out;
  auto parsed = find_sametime_proxy_reference(text);
  if (!parsed)
    return {fail(kConnections, std::string(name) + ": " + parsed.error(),
                 "repair the XML; Connections does not start with a malformed "
                 "LotusConnections-config.xml")};
  if (!*parsed)
    return {fail(kConnections,
                 std::string(name) + ": no <sloc:serviceReference serviceName=\"sametimeProxy\">",
                 "add the element " + kRenderConnections)};
  const SametimeProxyReference& ref = **parsed;
  const std::string where = at_line(name, ref.line) + ": sametimeProxy ";
  const auto attr = [](const std::optional<std::string>& value) {
    return value ? quoted(*value) : std::string("missing");
  };
  if (ref.enabled != "true")
    out.push_back(
        fail(kConnections, where + "enabled is " + attr(ref.enabled), "set enabled=\"true\""));
  if (ref.is_connect_client != "false")
    out.push_back(fail(kConnections,
                       where + "isConnectClient is " + attr(ref.is_connect_client) +
                           " (PROXY mode needs \"false\")",
                       "set isConnectClient=\"false\""));
  const auto check_href = [&](const std::optional<std::string>& value, std::string_view label,
                              bool want_https) {
    if (!value) {
      out.push_back(fail(kConnections, where + std::string(label) + " is missing",
                         "add it " + kRenderConnections));
      return;
    }
    auto url = parse_url(*value);
    const bool good = url && (want_https ? points_at(*url, endpoints->https)
                                         : points_at_gateway(*url, *endpoints));
    if (!good)
      out.push_back(fail(kConnections,
                         where + std::string(label) + " " + quoted(*value) +
                             " does not point at the gateway (" + expected_urls(*endpoints) + ")",
                         "point it at the gateway " + kRenderConnections));
  };
  check_href(ref.static_href, "static href", false);
  const bool ssl_enabled = ref.ssl_enabled == "true";
  if (ssl_enabled) {
    if (!endpoints->https)
      out.push_back(fail(kConnections,
                         where + "ssl_enabled is \"true\" but the gateway has no "
                                 "TLS listener",
                         "add a TLS listener or set ssl_enabled=\"false\""));
    else
      check_href(ref.static_ssl_href, "static ssl_href", true);
  } else if (endpoints->public_url.is_https()) {
    out.push_back(
        fail(kConnections,
             where + "ssl_enabled is " + attr(ref.ssl_enabled) +
                 " but browsers reach the gateway over https; pages served over https "
                 "would load Sametime over http and the browser blocks it",
             "set ssl_enabled=\"true\" with ssl_href=\"" + endpoints->https->to_string() + "\""));
  }
  if (!ref.interservice_href) {
    out.push_back(warn(kConnections, where + "has no <sloc:interService href>",
                       "add it " + kRenderConnections));
  } else {
    auto url = parse_url(*ref.interservice_href);
    if (!url || (!points_at_gateway(*url, *endpoints) && !points_at_backend(*url, config)))
      out.push_back(fail(kConnections,
                         where + "interService href " + quoted(*ref.interservice_href) +
                             " points at neither the gateway nor an STPS backend",
                         "set it to " + endpoints->public_url.to_string()));
  }
  if (!has_problem(out))
    out.push_back(ok(kConnections, std::string(name) + ": sametimeProxy enabled, PROXY mode, " +
                                       "hrefs point at " + expected_urls(*endpoints)));
  return out;
}

// ---- portal

std::vector<CheckResult> check_portal_properties(const GatewayConfig& config, std::string_view text,
                                                 std::string_view name) {
  constexpr std::string_view kPortal = "portal";
  std::vector<CheckResult> out;
  auto endpoints = endpoints_or_fail(config, kPortal, out);
  if (!endpoints)
    return out;
  const Url& url = endpoints->public_url;
  const Properties props = parse_properties(text);
  const std::string render_fix = " (stgw config render --for portal)";
  const auto expect = [&](std::string_view key, const std::string& want, bool is_fail,
                          std::string_view why) {
    const Setting* s = props.find(key);
    if (s && s->value == want)
      return;
    std::string found = s ? at_line(name, s->line) + ": " + std::string(key) + "=" + s->value
                          : std::string(name) + ": " + std::string(key) + " is missing";
    found += std::string(why);
    const std::string fix = "set " + std::string(key) + "=" + want + render_fix;
    out.push_back(is_fail ? fail(kPortal, found, fix) : warn(kPortal, found, fix));
  };
  const std::string_view guide =
      "; the guide: \"specifying this setting incorrectly will prevent integration\"";
  expect("cc.sametime.proxy.enabled", "true", true, "");
  expect("cc.sametime.proxy.scheme", url.scheme, true, guide);
  expect("cc.sametime.proxy.host", url.host, true, guide);
  expect("cc.sametime.proxy.port", std::to_string(url.port), true, guide);
  expect("cc.sametime.connect.client", "false", true,
         "; \"true\" loads the local Connect client "
         "instead of the proxy");
  expect("cc.sametime.proxy.version", config.integration.sametime_version, false,
         "; differs from [integration] sametime_version");
  if (const Setting* s = props.find("cc.sametime.proxy.url"); s && !s->value.starts_with('/')) {
    auto proxy_url = parse_url(s->value);
    if (!proxy_url || !points_at_gateway(*proxy_url, *endpoints))
      out.push_back(fail(kPortal,
                         at_line(name, s->line) + ": cc.sametime.proxy.url=" + s->value +
                             " does not point at the gateway (" + expected_urls(*endpoints) + ")",
                         "set it to " + url.to_string() + " or remove it"));
  }
  if (!has_problem(out))
    out.push_back(ok(kPortal, std::string(name) + ": proxy enabled at " + url.to_string() +
                                  ", connect client off"));
  return out;
}

// ---- portal-profile

std::vector<CheckResult> check_portal_profile(std::string_view text, std::string_view name) {
  constexpr std::string_view kProfile = "portal-profile";
  const std::string fix = "stgw config render --for portal-profile --input " + std::string(name) +
                          " --out " + std::string(name) + ", then invalidate the theme cache";
  auto profile = parse_theme_profile(text);
  if (!profile)
    return {fail(kProfile, std::string(name) + ": " + profile.error(), "repair the JSON")};
  if (!profile->has_module_ids)
    return {fail(kProfile, std::string(name) + ": no top-level \"moduleIDs\" array",
                 "check that this is the theme profile (profile_full.json)")};
  if (!profile->has_module("wp_sametime_proxy"))
    return {fail(kProfile, std::string(name) + ": moduleIDs lacks wp_sametime_proxy", fix)};
  if (profile->has_module("wp_sametime_links"))
    return {warn(kProfile,
                 std::string(name) + ": moduleIDs has the legacy wp_sametime_links next to "
                                     "wp_sametime_proxy",
                 "remove wp_sametime_links from moduleIDs")};
  return {ok(kProfile, std::string(name) + ": moduleIDs has wp_sametime_proxy")};
}

// ---- nofile

namespace {

constexpr std::string_view kNofile = "nofile";

std::string limit_text(std::int64_t value) {
  return value == INT64_MAX ? std::string("unlimited") : std::to_string(value);
}

} // namespace

std::vector<CheckResult> check_nofile(const GatewayConfig& config, const NofileFacts& facts) {
  std::vector<CheckResult> out;
  const int clients = config.budget.max_client_connections;
  const bool fixed = clients > 0;
  const std::int64_t target = fixed ? nofile_needed(config, clients, facts.workers) : kGuideNofile;
  const std::int64_t minimum = nofile_needed(config, 1, facts.workers);
  const std::string why = fixed ? "needed for max_client_connections = " + std::to_string(clients) +
                                      ": " + std::to_string(target)
                                : "the guide's value: " + std::to_string(target);
  const std::string fix_conf = facts.user + " soft nofile " + std::to_string(target) + " and " +
                               facts.user + " hard nofile " + std::to_string(target) +
                               " in limits.conf (stgw config render --for limits)";
  // Grades a limit value: below |minimum| or below a fixed target fails, below the guide warns.
  const auto grade = [&](std::int64_t value) {
    if (value < minimum || (fixed && value < target))
      return Severity::Fail;
    return value < target ? Severity::Warn : Severity::Ok;
  };
  const auto capacity = [&](std::int64_t value) {
    return client_capacity(config, static_cast<int>(std::min<std::int64_t>(value, INT32_MAX)),
                           facts.workers);
  };

  if (facts.running_hard) {
    // The gateway raises its soft limit to the hard one at start, so the hard limit counts.
    const std::int64_t hard = *facts.running_hard;
    const std::string found = "running hard limit " + limit_text(hard) + " gives " +
                              std::to_string(capacity(hard)) + " client connections (" + why + ")";
    const Severity s = grade(hard);
    if (s == Severity::Ok) {
      out.push_back(ok(kNofile, found));
    } else {
      CheckResult r{std::string(kNofile),
                    s,
                    found,
                    "raise the hard limit to " + std::to_string(target) + ": " + fix_conf +
                        " and log in again, or LimitNOFILE=" + std::to_string(target) +
                        " under systemd",
                    {}};
      out.push_back(std::move(r));
    }
  }
  if (facts.limits_conf) {
    const std::string& name = facts.limits_conf_name;
    const LimitsConf conf = parse_limits_conf(*facts.limits_conf);
    for (const std::string& problem : conf.problems)
      out.push_back(warn(kNofile, name + " " + problem + " (pam_limits ignores it)",
                         "correct or remove the line"));
    const EffectiveLimit limit = effective_limit(conf, facts.user, facts.groups, "nofile");
    const auto check_one = [&](const std::optional<std::int64_t>& value, int line,
                               std::string_view type) {
      if (!value) {
        out.push_back(fail(kNofile,
                           name + " has no " + std::string(type) + " nofile line for " +
                               facts.user + " or *; the default (1024 soft) applies",
                           "add " + fix_conf));
        return;
      }
      const Severity s = grade(*value);
      const std::string found = at_line(name, line) + ": " + std::string(type) + " nofile " +
                                limit_text(*value) + " for " + facts.user + " (" + why + ")";
      if (s == Severity::Ok)
        return;
      out.push_back({std::string(kNofile), s, found, "set " + fix_conf, {}});
    };
    const std::size_t before = out.size();
    check_one(limit.soft, limit.soft_line, "soft");
    check_one(limit.hard, limit.hard_line, "hard");
    if (out.size() == before)
      out.push_back(ok(kNofile, name + ": soft " + limit_text(*limit.soft) + " / hard " +
                                    limit_text(*limit.hard) + " for " + facts.user + " cover " +
                                    std::to_string(target)));
  }
  if (out.empty())
    out.push_back(skip(kNofile, "neither the running limit nor --limits-conf known"));
  return out;
}

} // namespace stgw::config
