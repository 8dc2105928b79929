#pragma once

// The bounded `product` label of stgw_requests_total and stgw_parked_requests: which integration
// (iNotes, Connections, Portal) a request came from, judged by the host of its Origin or Referer
// against the [integration] hosts. Pure functions, no I/O.

#include <string>
#include <string_view>
#include <vector>

#include "config/gateway_config.h"

namespace stgw::server {

// Lower-cased host names taken from [integration]; a host may appear under several products, in
// which case the first of inotes, connections, portal wins.
struct ProductHosts {
  std::vector<std::string> inotes;
  std::vector<std::string> connections;
  std::vector<std::string> portal;
};

// Reads inotes_servers (hosts or URLs), connections_url and portal_url; entries without a host
// are skipped.
ProductHosts product_hosts_from(const config::IntegrationConfig& integration);

// The host of an Origin/Referer value, a URL or a bare "host[:port]": scheme, user info, port,
// path, query and a trailing dot removed, IPv6 brackets removed, lower-cased. "" when there is
// no host (empty input, "null").
std::string host_of(std::string_view origin_or_url);

// "inotes" | "connections" | "portal" | "other". Host names compare case-insensitively; scheme,
// port and path are ignored.
std::string_view product_of(std::string_view origin_or_referer, const ProductHosts& hosts);

} // namespace stgw::server
