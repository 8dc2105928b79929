#include <gtest/gtest.h>

#include "config/loader.h"

namespace stgw::config {
namespace {

void expect_host_port(std::string_view text, std::string_view host, std::uint16_t port) {
  auto parsed = parse_host_port(text);
  ASSERT_TRUE(parsed.has_value()) << text;
  EXPECT_EQ(parsed->host, host) << text;
  EXPECT_EQ(parsed->port, port) << text;
}

TEST(ParseHostPortTest, ReadsNamesAndAddresses) {
  expect_host_port("127.0.0.1:8080", "127.0.0.1", 8080);
  expect_host_port("stps1.example.com:9443", "stps1.example.com", 9443);
  expect_host_port("localhost:1", "localhost", 1);
  expect_host_port("under_score-host:80", "under_score-host", 80);
  expect_host_port("0.0.0.0:443", "0.0.0.0", 443);
}

TEST(ParseHostPortTest, RemovesIpv6Brackets) {
  expect_host_port("[::1]:443", "::1", 443);
  expect_host_port("[::]:80", "::", 80);
  expect_host_port("[2001:db8::10]:9443", "2001:db8::10", 9443);
}

TEST(ParseHostPortTest, AcceptsEmptyHostAndPortBounds) {
  expect_host_port(":443", "", 443);
  expect_host_port("host:0", "host", 0);
  expect_host_port("host:65535", "host", 65535);
  expect_host_port("host:00080", "host", 80);
}

TEST(ParseHostPortTest, RejectsMalformedAddresses) {
  for (std::string_view text : {"",
                                ":",
                                "host",
                                "host:",
                                "host:65536",
                                "host:123456",
                                "host:-1",
                                "host:+1",
                                "host:8o",
                                "host: 80",
                                " host:80",
                                "::1:443",
                                "[::1]",
                                "[::1]443",
                                "[::1]:",
                                "[zz]:1",
                                "[]:1",
                                "[::1:80",
                                "a b:1",
                                "host/path:80",
                                "999.1.1.1:80",
                                "1.2.3:80",
                                "..:80",
                                ".host:80",
                                "host.:80",
                                "-host:80",
                                "a..b:80",
                                "http://host:80",
                                "[fe80::1%eth0]:80"}) {
    EXPECT_EQ(parse_host_port(text), std::nullopt) << "\"" << text << "\"";
  }
}

TEST(HostPortTest, WritesIpv6WithBrackets) {
  EXPECT_EQ((HostPort{"::1", 443}).to_string(), "[::1]:443");
  EXPECT_EQ((HostPort{"st.example.com", 80}).to_string(), "st.example.com:80");
  EXPECT_EQ((HostPort{"", 443}).to_string(), ":443");
}

TEST(HostPortTest, RoundTripsThroughParse) {
  for (std::string_view text : {"[2001:db8::1]:9443", "10.0.0.1:80", "st.example.com:443"}) {
    auto parsed = parse_host_port(text);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->to_string(), text);
  }
}

} // namespace
} // namespace stgw::config
