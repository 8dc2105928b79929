#include "gateway/server/product_label.h"

#include <gtest/gtest.h>

namespace stgw::server {
namespace {

ProductHosts example_hosts() {
  config::IntegrationConfig integration;
  integration.inotes_servers = {"https://Mail.Example.com/", "domino2.example.com:443",
                                "DOMINO3.example.com", "https://[2001:DB8::7]:8443/"};
  integration.connections_url = "https://connections.example.com/homepage";
  integration.portal_url = "http://portal.example.com:10039/wps/portal";
  return product_hosts_from(integration);
}

TEST(ProductHostsTest, TakesLowerCasedHostsFromEveryIntegrationSetting) {
  auto hosts = example_hosts();
  EXPECT_EQ(hosts.inotes, (std::vector<std::string>{"mail.example.com", "domino2.example.com",
                                                    "domino3.example.com", "2001:db8::7"}));
  EXPECT_EQ(hosts.connections, std::vector<std::string>{"connections.example.com"});
  EXPECT_EQ(hosts.portal, std::vector<std::string>{"portal.example.com"});
}

TEST(ProductHostsTest, SkipsUnsetSettings) {
  auto hosts = product_hosts_from(config::IntegrationConfig{});
  EXPECT_TRUE(hosts.inotes.empty());
  EXPECT_TRUE(hosts.connections.empty());
  EXPECT_TRUE(hosts.portal.empty());
  EXPECT_EQ(product_of("https://anything.example.com", hosts), "other");
}

TEST(ProductOfTest, MatchesOriginsOfEachProduct) {
  auto hosts = example_hosts();
  EXPECT_EQ(product_of("https://mail.example.com", hosts), "inotes");
  EXPECT_EQ(product_of("https://domino2.example.com", hosts), "inotes");
  EXPECT_EQ(product_of("https://connections.example.com", hosts), "connections");
  EXPECT_EQ(product_of("https://portal.example.com", hosts), "portal");
}

TEST(ProductOfTest, IgnoresCaseSchemePortAndPath) {
  auto hosts = example_hosts();
  EXPECT_EQ(product_of("http://MAIL.example.COM:8443/iNotes/Forms9.nsf?OpenDatabase", hosts),
            "inotes");
  EXPECT_EQ(product_of("https://Connections.Example.com/profiles/html/myProfileView.do", hosts),
            "connections");
  EXPECT_EQ(product_of("https://portal.example.com:443/wps/myportal#top", hosts), "portal");
  EXPECT_EQ(product_of("  https://portal.example.com  ", hosts), "portal");
}

TEST(ProductOfTest, AcceptsBareHostsUserInfoTrailingDotAndIpv6) {
  auto hosts = example_hosts();
  EXPECT_EQ(product_of("domino3.example.com:80", hosts), "inotes");
  EXPECT_EQ(product_of("https://someone:secret@portal.example.com/", hosts), "portal");
  EXPECT_EQ(product_of("https://mail.example.com./", hosts), "inotes");
  EXPECT_EQ(product_of("https://[2001:db8::7]/mail", hosts), "inotes");
}

TEST(ProductOfTest, DoesNotMatchLookAlikes) {
  auto hosts = example_hosts();
  EXPECT_EQ(product_of("https://mail.example.com.evil.test", hosts), "other");
  EXPECT_EQ(product_of("https://evil.test/?next=https://mail.example.com", hosts), "other");
  EXPECT_EQ(product_of("https://evil.test/mail.example.com", hosts), "other");
  EXPECT_EQ(product_of("https://xmail.example.com", hosts), "other");
  EXPECT_EQ(product_of("https://example.com", hosts), "other");
}

TEST(ProductOfTest, EmptyNullAndGarbageAreOther) {
  auto hosts = example_hosts();
  EXPECT_EQ(product_of("", hosts), "other");
  EXPECT_EQ(product_of("null", hosts), "other");
  EXPECT_EQ(product_of("https://", hosts), "other");
  EXPECT_EQ(product_of("https://[unterminated", hosts), "other");
  EXPECT_EQ(product_of(std::string_view("\0\xff", 2), hosts), "other");
}

TEST(ProductOfTest, FirstProductWinsWhenHostsOverlap) {
  config::IntegrationConfig integration;
  integration.inotes_servers = {"shared.example.com"};
  integration.portal_url = "https://shared.example.com/wps/portal";
  EXPECT_EQ(product_of("https://shared.example.com", product_hosts_from(integration)), "inotes");
}

TEST(HostOfTest, ExtractsTheHost) {
  EXPECT_EQ(host_of("HTTPS://User@Host.Example.com:9443/a/b?c#d"), "host.example.com");
  EXPECT_EQ(host_of("host.example.com"), "host.example.com");
  EXPECT_EQ(host_of("//host.example.com/path"), "host.example.com");
  EXPECT_EQ(host_of("[::1]:8080"), "::1");
  EXPECT_EQ(host_of("null"), "");
  EXPECT_EQ(host_of(""), "");
}

} // namespace
} // namespace stgw::server
