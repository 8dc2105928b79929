#pragma once

// Route matching: host (exact, case-insensitive, port ignored; a route without host matches any)
// and the longest path prefix. A route naming the host wins over a host-less one of the same
// prefix length. Built once per config; match() is const and allocation-free.

#include <string_view>
#include <vector>

#include "config/gateway_config.h"

namespace stgw::policy {

class Router {
public:
  explicit Router(const std::vector<config::RouteConfig>& routes);

  // The route for |host| (without port) and |path| (without query), or nullptr (→ 404).
  const config::RouteConfig* match(std::string_view host, std::string_view path) const;
  // The index of |route| in the configuration order (stable label for metrics).
  std::size_t index_of(const config::RouteConfig* route) const;

private:
  const std::vector<config::RouteConfig>& routes_;
  std::vector<std::size_t> order_; // indices sorted by prefix length, longest first
};

// Rejects paths that a backend would resolve differently from our prefix match: dot segments
// ("/a/../b", "/./"), their percent-encoded forms, encoded slashes or backslashes, and
// backslashes. Without this, "/public/../stwebapi/x" would bypass the auth of "/stwebapi/".
bool is_safe_path(std::string_view path);

} // namespace stgw::policy
