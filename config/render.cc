#include "config/render.h"

#include <algorithm>
#include <array>
#include <sstream>

#include "config/budget_math.h"
#include "config/render_url.h"

namespace stgw::config {

// The connections target lives in render_connections.cc (pugixml) and the portal-profile edit
// in render_portal_profile.cc (nlohmann-json).
std::string render_connections_xml(const GatewayEndpoints& endpoints,
                                   const std::vector<std::string>& header);

namespace {

constexpr std::array<std::pair<RenderTarget, std::string_view>, 6> kTargets{{
    {RenderTarget::Inotes, "inotes"},
    {RenderTarget::Connections, "connections"},
    {RenderTarget::Portal, "portal"},
    {RenderTarget::PortalProfile, "portal-profile"},
    {RenderTarget::Limits, "limits"},
    {RenderTarget::Was, "was"},
}};

std::string source_of(const GatewayConfig& config) {
  return config.source_path.empty() ? std::string("the embedded config") : config.source_path;
}

// The comment lines every output starts with: what made it and where it goes. XML comments
// may not contain "--", so there the command is spelled without its option.
std::vector<std::string> header_lines(RenderTarget target, const GatewayConfig& config,
                                      const std::vector<std::string>& lines, bool xml = false) {
  const std::string command =
      xml ? "`stgw config render` (target " + std::string(to_string(target)) + ")"
          : "`stgw config render --for " + std::string(to_string(target)) + "`";
  std::vector<std::string> out = {"Rendered by " + command + " from " + source_of(config)};
  out.insert(out.end(), lines.begin(), lines.end());
  return out;
}

std::string header(std::string_view prefix, RenderTarget target, const GatewayConfig& config,
                   const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : header_lines(target, config, lines))
    out.append(prefix).append(" ").append(line).append("\n");
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty())
      out.append(separator);
    out.append(item);
  }
  return out;
}

bool accepts_v1(const GatewayConfig& config) {
  if (!config.sso)
    return false;
  const auto& accept = config.sso->accept;
  return std::find(accept.begin(), accept.end(), TokenFormat::Ltpa1) != accept.end() ||
         std::find(accept.begin(), accept.end(), TokenFormat::Domino) != accept.end();
}

// ---- inotes

Rendered render_inotes(const GatewayConfig& config, const GatewayEndpoints& endpoints) {
  const auto& servers = config.integration.inotes_servers;
  const std::string where = "Goes in: notes.ini of the Domino server(s) serving iNotes" +
                            (servers.empty() ? std::string() : " (" + join(servers, ", ") + ")");
  std::vector<std::string> lines = {
      where + ",",
      "or enter each line at the server console as `set config NAME=VALUE`; then `restart task "
      "http`."};
  const Url& http_url = endpoints.http ? *endpoints.http : *endpoints.https;
  if (!endpoints.http)
    lines.push_back("The gateway has no cleartext listener: the http entry points at TLS too.");
  if (!endpoints.https)
    lines.push_back(
        "The gateway has no TLS listener: iNotes_WA_SametimeProxyServerSSL is omitted.");
  std::string out = header(";", RenderTarget::Inotes, config, lines);
  out += "iNotes_WA_SametimeProxy=1\n";
  out += "iNotes_WA_SametimeProxyServer=" + http_url.to_string() + "\n";
  if (endpoints.https)
    out += "iNotes_WA_SametimeProxyServerSSL=" + endpoints.https->to_string() + "\n";
  // With SSO the browser already carries the LTPA cookie; a login prompt is only for setups
  // without it.
  out += std::string("iNotes_WA_SametimeProxyLogin=") + (config.sso ? "0" : "1") + "\n";
  return {out, where};
}

// ---- portal

struct PortalProperty {
  std::string name;
  std::string value;
};

std::vector<PortalProperty> portal_properties(const GatewayConfig& config, const Url& url) {
  std::vector<PortalProperty> props = {
      {"cc.sametime.proxy.enabled", "true"},
      {"cc.sametime.proxy.scheme", url.scheme},
      {"cc.sametime.proxy.host", url.host},
      {"cc.sametime.proxy.port", std::to_string(url.port)},
      {"cc.sametime.proxy.version", config.integration.sametime_version},
      {"cc.sametime.connect.client", "false"},
  };
  // A mount under a path cannot be said with scheme/host/port alone.
  if (!url.path.empty())
    props.push_back({"cc.sametime.proxy.url", url.to_string()});
  return props;
}

// Java properties escaping for values: backslash, and leading spaces, would change the value.
std::string escape_property(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '\n' || c == '\r')
      out += '\\';
    out += c == '\n' ? 'n' : c == '\r' ? 'r' : c;
  }
  if (!out.empty() && out.front() == ' ')
    out.insert(0, "\\");
  return out;
}

constexpr std::string_view kPortalProvider = "WP CommonComponentConfigService";

Rendered render_portal_properties(const GatewayConfig& config, const Url& url) {
  const std::string where =
      "Goes in: WebSphere Portal, Resources > Resource Environment > Resource "
      "Environment Providers > " +
      std::string(kPortalProvider) + " > Custom properties";
  std::string out =
      header("#", RenderTarget::Portal, config, {where + ";", "then restart the Portal server."});
  for (const PortalProperty& p : portal_properties(config, url))
    out += p.name + "=" + escape_property(p.value) + "\n";
  return {out, where};
}

// Python string literal that is valid in wsadmin's Jython 2.x and in Python 3.
std::string py_string(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "'";
}

Rendered render_portal_wsadmin(const GatewayConfig& config, const Url& url) {
  const std::string where = "Run with: wsadmin.sh -lang jython -f <this file> (on the Portal node, "
                            "as the WAS administrator); then restart the Portal server";
  std::string out = header("#", RenderTarget::Portal, config,
                           {where + ".", "Creates or updates the custom properties of the " +
                                             std::string(kPortalProvider) + " provider(s)."});
  out += "providerName = " + py_string(kPortalProvider) + "\n";
  out += "properties = [\n";
  for (const PortalProperty& p : portal_properties(config, url))
    out += "    (" + py_string(p.name) + ", " + py_string(p.value) + "),\n";
  out += "]\n";
  out += R"PY(
providers = [p for p in AdminConfig.getid('/ResourceEnvironmentProvider:' + providerName + '/').splitlines() if p]
if not providers:
    raise Exception('Resource environment provider not found: ' + providerName)
for provider in providers:
    propertySet = AdminConfig.showAttribute(provider, 'propertySet')
    if not propertySet or propertySet == 'null':
        propertySet = AdminConfig.create('J2EEResourcePropertySet', provider, [])
    existing = {}
    for prop in AdminConfig.list('J2EEResourceProperty', propertySet).splitlines():
        if prop:
            existing[AdminConfig.showAttribute(prop, 'name')] = prop
    for (name, value) in properties:
        if existing.has_key(name):
            AdminConfig.modify(existing[name], [['value', value]])
            print('updated ' + name + ' = ' + value)
        else:
            AdminConfig.create('J2EEResourceProperty', propertySet,
                               [['name', name], ['value', value], ['type', 'java.lang.String'], ['required', 'false']])
            print('created ' + name + ' = ' + value)
AdminConfig.save()
print('saved; restart the Portal server')
)PY";
  return {out, where};
}

// ---- limits

Rendered render_limits(const GatewayConfig& config, const RenderOptions& options) {
  const int clients = config.budget.max_client_connections;
  const BudgetNeeds needs = budget_needs(config, options.workers);
  const int nofile = clients > 0 ? nofile_needed(config, clients, options.workers) : kGuideNofile;
  const std::string& user = options.limits_user;
  const std::string where = "Goes in: /etc/security/limits.conf (or /etc/security/limits.d/"
                            "stgw.conf) on the gateway host";
  std::vector<std::string> lines = {where + "; it applies at the next login of " + user + ".",
                                    "Under systemd, limits.conf is not read: put LimitNOFILE=" +
                                        std::to_string(nofile) + " in the unit instead."};
  std::ostringstream budget;
  if (clients > 0) {
    budget << "Budget: " << kDescriptorsPerClient << " x " << clients
           << " max_client_connections (client + backend) + " << needs.listener_sockets
           << " listener socket(s) + " << needs.admin_listener << " admin + " << needs.log_files
           << " access log + " << needs.reserve << " nofile_reserve = " << nofile;
  } else {
    budget << "[budget] max_client_connections = 0: the gateway sizes itself from the limit; "
           << nofile << " (the guide's value) gives "
           << client_capacity(config, nofile, options.workers) << " client connections";
  }
  lines.push_back(budget.str());
  if (nofile > 1048576)
    lines.push_back("Above the kernel's default fs.nr_open (1048576): raise it with sysctl first.");
  std::string out = header("#", RenderTarget::Limits, config, lines);
  out += user + " soft nofile " + std::to_string(nofile) + "\n";
  out += user + " hard nofile " + std::to_string(nofile) + "\n";
  const std::string guide = std::to_string(kGuideNofile);
  out +=
      "#\n# The guide's values for the Sametime servers (set on those hosts, for the account that\n"
      "# runs each server; shown here for reference only):\n";
  const std::array<std::pair<std::string_view, std::string_view>, 4> servers{{
      {"Sametime Proxy Server (WebSphere)", "root"},
      {"Sametime Community Server (Domino)", "notes"},
      {"Sametime Meeting Server (WebSphere)", "root"},
      {"Sametime Advanced Server (WebSphere)", "root"},
  }};
  for (const auto& [name, account] : servers) {
    out += "# " + std::string(name) + ":\n";
    out += "#   " + std::string(account) + " soft nofile " + guide + "\n";
    out += "#   " + std::string(account) + " hard nofile " + guide + "\n";
  }
  return {out, where};
}

// ---- was

bool all_https(const GatewayConfig& config, const Url& public_url) {
  if (!public_url.is_https())
    return false;
  std::vector<std::string> urls = {config.integration.connections_url,
                                   config.integration.portal_url};
  for (const std::string& text : urls) {
    if (text.empty())
      continue;
    auto url = parse_url(text);
    if (url && !url->is_https())
      return false;
  }
  return true;
}

std::string render_was_text(const GatewayConfig& config, const GatewayEndpoints& endpoints,
                            const RenderOptions& options, const std::string& where) {
  const bool cleartext_listener =
      std::any_of(config.listeners.begin(), config.listeners.end(),
                  [](const ListenerConfig& l) { return !l.tls.has_value(); });
  std::string out = header("#", RenderTarget::Was, config,
                           {where + ",", "then save, synchronize the nodes and restart STPS."});
  out += "\n# 1. Web container custom property (Servers > Server Types > WebSphere application "
         "servers >\n#    <STPS server> > Web Container Settings > Web container > Custom "
         "properties)\n";
  if (cleartext_listener) {
    out += "#    The gateway also has cleartext listeners, so a header that is always present "
           "would mark\n#    plain HTTP requests as HTTPS. Leave httpsIndicatorHeader unset: the "
           "$WSIS/$WSSC headers\n#    trusted below give the scheme per request.\n";
  } else {
    out += "httpsIndicatorHeader = X-Forwarded-Proto\n";
  }
  std::string origins = join(options.gateway_addresses, ",");
  out += "\n# 2. HTTP channel custom properties (Servers > Server Types > WebSphere application "
         "servers >\n#    <STPS server> > Web Container Settings > Web container transport "
         "chains > WCInboundDefault\n#    and WCInboundDefaultSecure > HTTP inbound channel > "
         "Custom properties); needs WAS 8.5.5.20 / 9.0.5.7\n#    (PH33180). The addresses STPS "
         "sees stgw connect from:\n";
  if (origins.empty()) {
    origins = "<address stgw connects from>";
    out += "#    REPLACE the placeholder (pass --gateway-address, or see `stgw doctor` "
           "backend-reach).\n";
  }
  out += "trustedHeaderOrigin = " + origins + "\n";
  out += "trustedSensitiveHeaderOrigin = " + origins + "\n";
  const SsoConfig& sso = *config.sso;
  const bool secure = all_https(config, endpoints.public_url);
  out += "\n# 3. Security > Global security > Web and SIP security > Single sign-on (SSO)\n";
  out += "Enabled = true\n";
  out += std::string("Requires SSL = ") + (secure ? "true" : "false") + "\n";
  out += "Domain name = " + sso.domain + "\n";
  out += std::string("Interoperability mode = ") + (accepts_v1(config) ? "true" : "false") + "\n";
  out += "LTPA V1 cookie name = " + sso.cookie_v1 + "\n";
  out += "LTPA V2 cookie name = " + sso.cookie_v2 + "\n";
  out += "\n# 4. Security > Global security > LTPA: import the same keys as [[sso.keys]] "
         "(stgw keys inspect\n#    lists their realm); the key files and passwords are not "
         "printed here.\n";
  return out;
}

} // namespace

std::optional<RenderTarget> parse_render_target(std::string_view name) {
  for (const auto& [target, text] : kTargets)
    if (text == name)
      return target;
  return std::nullopt;
}

std::string_view to_string(RenderTarget target) {
  for (const auto& [value, text] : kTargets)
    if (value == target)
      return text;
  return "unknown";
}

std::expected<Rendered, RenderFailure> render(const GatewayConfig& config, RenderTarget target,
                                              const RenderOptions& options) {
  auto endpoints = gateway_endpoints(config);
  if (!endpoints)
    return std::unexpected(RenderFailure{RenderError::BadPublicUrl, endpoints.error()});
  switch (target) {
    case RenderTarget::Inotes:
      return render_inotes(config, *endpoints);
    case RenderTarget::Connections: {
      const std::string where = "Goes in: LotusConnections-config.xml, replacing the existing "
                                "<sloc:serviceReference serviceName=\"sametimeProxy\">";
      const std::string text = render_connections_xml(
          *endpoints, header_lines(target, config,
                                   {where + ";", "then synchronize the nodes and restart."}, true));
      return Rendered{text, where};
    }
    case RenderTarget::Portal:
      return options.portal_format == PortalFormat::Wsadmin
                 ? render_portal_wsadmin(config, endpoints->public_url)
                 : render_portal_properties(config, endpoints->public_url);
    case RenderTarget::PortalProfile: {
      if (options.input.empty())
        return std::unexpected(RenderFailure{RenderError::MissingInput,
                                             "portal-profile needs --input profile_full.json"});
      auto text = add_sametime_module(options.input);
      if (!text) {
        RenderFailure failure = text.error();
        if (!options.input_name.empty())
          failure.message = options.input_name + ": " + failure.message;
        return std::unexpected(failure);
      }
      return Rendered{
          *text, "Goes in: the theme's profile (replace " +
                     (options.input_name.empty() ? std::string("the input") : options.input_name) +
                     "), then invalidate the theme cache"};
    }
    case RenderTarget::Limits:
      return render_limits(config, options);
    case RenderTarget::Was: {
      if (!config.sso)
        return std::unexpected(RenderFailure{
            RenderError::NoSso, "the was target needs an [sso] section (domain and cookie names)"});
      const std::string where =
          "Goes in: the WebSphere Integrated Solutions Console of the Sametime Proxy Server cell";
      return Rendered{render_was_text(config, *endpoints, options, where), where};
    }
  }
  return std::unexpected(RenderFailure{RenderError::BadInput, "unknown render target"});
}

} // namespace stgw::config
