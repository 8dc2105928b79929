#include "gateway/policy/router.h"

#include <algorithm>
#include <numeric>

namespace stgw::policy {
namespace {

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

// The character that "%xx" at |at| stands for, or 0 when it is not a valid escape.
char decode_escape(std::string_view path, std::size_t at) {
  if (at + 2 >= path.size())
    return 0;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    return -1;
  };
  int high = hex(path[at + 1]);
  int low = hex(path[at + 2]);
  if (high < 0 || low < 0)
    return 0;
  return static_cast<char>(high * 16 + low);
}

} // namespace

Router::Router(const std::vector<config::RouteConfig>& routes) : routes_(routes) {
  order_.resize(routes.size());
  std::iota(order_.begin(), order_.end(), 0);
  std::stable_sort(order_.begin(), order_.end(), [&](std::size_t a, std::size_t b) {
    const auto& ra = routes[a];
    const auto& rb = routes[b];
    if (ra.prefix.size() != rb.prefix.size())
      return ra.prefix.size() > rb.prefix.size();
    return !ra.host.empty() && rb.host.empty();
  });
}

const config::RouteConfig* Router::match(std::string_view host, std::string_view path) const {
  for (std::size_t index : order_) {
    const auto& route = routes_[index];
    if (!path.starts_with(route.prefix))
      continue;
    if (!route.host.empty() && !iequal(route.host, host))
      continue;
    return &route;
  }
  return nullptr;
}

std::size_t Router::index_of(const config::RouteConfig* route) const {
  return static_cast<std::size_t>(route - routes_.data());
}

bool is_safe_path(std::string_view path) {
  // Decode only what matters here ('.', '/', '\') and walk the segments.
  std::string decoded;
  decoded.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      char escaped = decode_escape(path, i);
      if (escaped == '/' || escaped == '\\')
        return false;
      if (escaped == '.') {
        decoded.push_back('.');
        i += 2;
        continue;
      }
    }
    if (c == '\\')
      return false;
    decoded.push_back(c);
  }
  std::size_t start = 0;
  while (start <= decoded.size()) {
    std::size_t end = decoded.find('/', start);
    if (end == std::string::npos)
      end = decoded.size();
    std::string_view segment = std::string_view(decoded).substr(start, end - start);
    // A ";param" suffix does not change how servlet containers treat the dots before it.
    segment = segment.substr(0, segment.find(';'));
    if (segment == "." || segment == "..")
      return false;
    start = end + 1;
  }
  return true;
}

} // namespace stgw::policy
