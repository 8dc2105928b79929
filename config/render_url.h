#pragma once

// URLs as the integration settings use them: the gateway's public URL and the product URLs in
// [integration], and the hrefs found in product files. Shared by the renderer and the product
// file linters so that both compare endpoints the same way.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "config/gateway_config.h"

namespace stgw::config {

// An absolute http or https URL, normalised: scheme and host lower case, IPv6 host without
// brackets, port always set (80/443 when absent), path without a trailing slash ("" for "/").
struct Url {
  std::string scheme;
  std::string host;
  std::uint16_t port = 0;
  std::string path;

  bool is_https() const { return scheme == "https"; }
  bool default_port() const { return port == (is_https() ? 443 : 80); }
  // "https://host[:port]": the port only when not the scheme's default.
  std::string origin() const;
  // origin() + path.
  std::string to_string() const;
};

// Parses "http(s)://host[:port][/path]". Rejects other schemes, user info, empty hosts and bad
// ports; drops a query or fragment.
std::optional<Url> parse_url(std::string_view text);

// True when both name the same scheme, host (case-insensitive) and port.
bool same_endpoint(const Url& a, const Url& b);

// The host of a product entry written either as a URL or as "host[:port]" (inotes_servers
// allows both). Lower case; nullopt when empty or malformed.
std::optional<std::string> product_host(std::string_view entry);

// True when |host| is an IPv4 or IPv6 literal (cookies cannot be shared across those).
bool is_ip_literal(std::string_view host);

// Where browsers reach the gateway, for both schemes. [integration] public_url is authoritative
// for its own scheme; the other scheme uses the same host and the port of the first listener of
// that kind (cleartext or TLS), and is absent when the gateway has no such listener.
struct GatewayEndpoints {
  Url public_url;
  std::optional<Url> https;
  std::optional<Url> http;
};

// Fails with a message when public_url is missing or malformed.
std::expected<GatewayEndpoints, std::string> gateway_endpoints(const GatewayConfig& config);

} // namespace stgw::config
