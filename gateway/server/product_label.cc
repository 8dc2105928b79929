#include "gateway/server/product_label.h"

#include <algorithm>

namespace stgw::server {
namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

// The authority part ("user@host:port") of a URL or of a bare "host:port/path".
std::string_view authority_of(std::string_view text) {
  if (auto scheme_end = text.find("://"); scheme_end != std::string_view::npos)
    text.remove_prefix(scheme_end + 3);
  else if (text.starts_with("//"))
    text.remove_prefix(2);
  return text.substr(0, text.find_first_of("/?#"));
}

// "host", "host:port", "[v6]" or "[v6]:port" → the host without brackets or port.
std::string_view strip_port(std::string_view authority) {
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    return close == std::string_view::npos ? std::string_view{} : authority.substr(1, close - 1);
  }
  // A bare IPv6 address has several colons and no port we could tell apart; keep it whole.
  if (std::count(authority.begin(), authority.end(), ':') > 1)
    return authority;
  return authority.substr(0, authority.find(':'));
}

// Same result as host_of() but as a view into |text|, without lower-casing: the hot path
// compares case-insensitively instead of allocating.
std::string_view host_view(std::string_view text) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
      s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
      s.remove_suffix(1);
    return s;
  };
  text = trim(text);
  if (text == "null")
    return {}; // Origin of an opaque (sandboxed, file:) document
  auto authority = authority_of(text);
  if (auto at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  auto host = strip_port(authority);
  if (host.ends_with('.'))
    host.remove_suffix(1);
  return host;
}

void add_host(std::vector<std::string>& hosts, std::string_view value) {
  auto host = host_of(value);
  if (!host.empty() && std::find(hosts.begin(), hosts.end(), host) == hosts.end())
    hosts.push_back(std::move(host));
}

bool matches(std::string_view host, const std::vector<std::string>& hosts) {
  return std::any_of(hosts.begin(), hosts.end(),
                     [host](const std::string& h) { return equals_ignore_case(host, h); });
}

} // namespace

std::string host_of(std::string_view origin_or_url) {
  std::string host(host_view(origin_or_url));
  std::transform(host.begin(), host.end(), host.begin(), lower);
  return host;
}

ProductHosts product_hosts_from(const config::IntegrationConfig& integration) {
  ProductHosts hosts;
  for (const auto& server : integration.inotes_servers)
    add_host(hosts.inotes, server);
  add_host(hosts.connections, integration.connections_url);
  add_host(hosts.portal, integration.portal_url);
  return hosts;
}

std::string_view product_of(std::string_view origin_or_referer, const ProductHosts& hosts) {
  auto host = host_view(origin_or_referer);
  if (host.empty())
    return "other";
  if (matches(host, hosts.inotes))
    return "inotes";
  if (matches(host, hosts.connections))
    return "connections";
  if (matches(host, hosts.portal))
    return "portal";
  return "other";
}

} // namespace stgw::server
