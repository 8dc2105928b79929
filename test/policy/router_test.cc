#include "gateway/policy/router.h"

#include <gtest/gtest.h>

namespace stgw::policy {
namespace {

config::RouteConfig route(std::string prefix, std::string host = "", std::string backend = "b") {
  config::RouteConfig r;
  r.prefix = std::move(prefix);
  r.host = std::move(host);
  r.backend = std::move(backend);
  return r;
}

TEST(RouterTest, PicksLongestPrefix) {
  std::vector<config::RouteConfig> routes = {route("/"), route("/stwebapi/"),
                                             route("/stwebapi/user/")};
  Router router(routes);
  EXPECT_EQ(router.match("st.example.com", "/stwebapi/user/connect"), &routes[2]);
  EXPECT_EQ(router.match("st.example.com", "/stwebapi/poll"), &routes[1]);
  EXPECT_EQ(router.match("st.example.com", "/stwebclient/x.js"), &routes[0]);
}

TEST(RouterTest, ReturnsNullWhenNothingMatches) {
  std::vector<config::RouteConfig> routes = {route("/stwebapi/")};
  Router router(routes);
  EXPECT_EQ(router.match("h", "/other"), nullptr);
  EXPECT_EQ(router.match("h", "/stwebapi"), nullptr);
}

TEST(RouterTest, HostSpecificRouteWinsAtEqualPrefix) {
  std::vector<config::RouteConfig> routes = {route("/stwebapi/"),
                                             route("/stwebapi/", "portal.example.com")};
  Router router(routes);
  EXPECT_EQ(router.match("PORTAL.example.com", "/stwebapi/poll"), &routes[1]);
  EXPECT_EQ(router.match("other.example.com", "/stwebapi/poll"), &routes[0]);
}

TEST(RouterTest, HostRouteDoesNotMatchOtherHosts) {
  std::vector<config::RouteConfig> routes = {route("/", "a.example.com")};
  Router router(routes);
  EXPECT_EQ(router.match("b.example.com", "/"), nullptr);
  EXPECT_EQ(router.index_of(router.match("a.example.com", "/x")), 0u);
}

TEST(RouterTest, LongerPrefixBeatsHostSpecificShorterOne) {
  std::vector<config::RouteConfig> routes = {route("/", "a.example.com"), route("/stwebapi/")};
  Router router(routes);
  EXPECT_EQ(router.match("a.example.com", "/stwebapi/poll"), &routes[1]);
}

TEST(SafePathTest, AcceptsOrdinaryPaths) {
  EXPECT_TRUE(is_safe_path("/"));
  EXPECT_TRUE(is_safe_path("/stwebapi/poll"));
  EXPECT_TRUE(is_safe_path("/stwebclient/dojo.blue/sametime/themes/WebClientAll.css"));
  EXPECT_TRUE(is_safe_path("/a/..b/c.."));
  EXPECT_TRUE(is_safe_path("/name%20with%20space"));
}

TEST(SafePathTest, RejectsDotSegmentsInAllSpellings) {
  EXPECT_FALSE(is_safe_path("/public/../stwebapi/poll"));
  EXPECT_FALSE(is_safe_path("/./stwebapi/poll"));
  EXPECT_FALSE(is_safe_path("/public/%2e%2e/stwebapi/poll"));
  EXPECT_FALSE(is_safe_path("/public/%2E./stwebapi"));
  EXPECT_FALSE(is_safe_path("/public/..;x=1/stwebapi"));
  EXPECT_FALSE(is_safe_path("/a/.."));
}

TEST(SafePathTest, RejectsEncodedSlashesAndBackslashes) {
  EXPECT_FALSE(is_safe_path("/public%2f..%2fstwebapi"));
  EXPECT_FALSE(is_safe_path("/public%5Cstwebapi"));
  EXPECT_FALSE(is_safe_path("/public\\..\\stwebapi"));
}

} // namespace
} // namespace stgw::policy
