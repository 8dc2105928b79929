#include "config/render_url.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace stgw::config {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    return std::nullopt;
  if (value == 0 || value > 65535)
    return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

bool valid_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

struct Authority {
  std::string host;
  std::optional<std::uint16_t> port;
};

// "host", "host:port", "[v6]", "[v6]:port".
std::optional<Authority> parse_authority(std::string_view text) {
  Authority out;
  std::string_view rest;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    out.host = lower(text.substr(1, close - 1));
    if (!is_ip_literal(out.host) || out.host.find(':') == std::string::npos)
      return std::nullopt;
    rest = text.substr(close + 1);
  } else {
    const auto colon = text.find(':');
    out.host = lower(text.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon);
    if (out.host.empty() || !std::all_of(out.host.begin(), out.host.end(), valid_host_char))
      return std::nullopt;
  }
  if (out.host.empty())
    return std::nullopt;
  if (!rest.empty()) {
    if (rest.front() != ':')
      return std::nullopt;
    out.port = parse_port(rest.substr(1));
    if (!out.port)
      return std::nullopt;
  }
  return out;
}

std::string bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

} // namespace

std::string Url::origin() const {
  std::string out = scheme + "://" + bracketed(host);
  if (!default_port())
    out += ":" + std::to_string(port);
  return out;
}

std::string Url::to_string() const {
  return origin() + path;
}

std::optional<Url> parse_url(std::string_view text) {
  const auto sep = text.find("://");
  if (sep == std::string_view::npos)
    return std::nullopt;
  Url url;
  url.scheme = lower(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https")
    return std::nullopt;
  std::string_view rest = text.substr(sep + 3);
  rest = rest.substr(0, rest.find_first_of("?#"));
  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos)
    return std::nullopt;
  auto parsed = parse_authority(authority);
  if (!parsed)
    return std::nullopt;
  url.host = std::move(parsed->host);
  url.port = parsed->port.value_or(url.is_https() ? 443 : 80);
  if (slash != std::string_view::npos)
    url.path = std::string(rest.substr(slash));
  while (!url.path.empty() && url.path.back() == '/')
    url.path.pop_back();
  return url;
}

bool same_endpoint(const Url& a, const Url& b) {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port;
}

std::optional<std::string> product_host(std::string_view entry) {
  if (entry.find("://") != std::string_view::npos) {
    auto url = parse_url(entry);
    if (!url)
      return std::nullopt;
    return url->host;
  }
  auto authority = parse_authority(entry.substr(0, entry.find('/')));
  if (!authority)
    return std::nullopt;
  return authority->host;
}

bool is_ip_literal(std::string_view host) {
  std::string text(host);
  if (text.size() > 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  unsigned char buffer[16];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

std::expected<GatewayEndpoints, std::string> gateway_endpoints(const GatewayConfig& config) {
  const std::string& text = config.integration.public_url;
  if (text.empty())
    return std::unexpected("[integration] public_url is not set (the URL browsers reach)");
  auto url = parse_url(text);
  if (!url)
    return std::unexpected("[integration] public_url \"" + text +
                           "\" is not an absolute http:// or https:// URL");
  GatewayEndpoints out{*url, std::nullopt, std::nullopt};
  (url->is_https() ? out.https : out.http) = *url;
  for (const ListenerConfig& listener : config.listeners) {
    std::optional<Url>& slot = listener.tls ? out.https : out.http;
    // Port 0 (kernel-chosen, tests only) says nothing about where browsers connect.
    if (slot || listener.address.port == 0)
      continue;
    slot = Url{listener.tls ? "https" : "http", url->host, listener.address.port, url->path};
  }
  return out;
}

} // namespace stgw::config
