#include "config/render_url.h"

#include <gtest/gtest.h>

namespace stgw::config {
namespace testing {
GatewayConfig sample_config();
}
namespace {

TEST(RenderUrlTest, ParsesAndNormalisesUrls) {
  auto url = parse_url("HTTPS://St.Example.COM/");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "st.example.com");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->path, "");
  EXPECT_EQ(url->to_string(), "https://st.example.com");

  url = parse_url("http://st.example.com:9080/sametime/?x=1#y");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->port, 9080);
  EXPECT_EQ(url->path, "/sametime");
  EXPECT_EQ(url->to_string(), "http://st.example.com:9080/sametime");

  url = parse_url("https://[::1]:8443");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->origin(), "https://[::1]:8443");
}

TEST(RenderUrlTest, RejectsWhatIsNotAnHttpUrl) {
  for (const char* text :
       {"", "st.example.com", "ftp://st.example.com", "https://", "https://user:pw@st.example.com",
        "https://st.example.com:0", "https://st.example.com:70000", "https://st.example.com:x",
        "https://[::1", "https://bad host"})
    EXPECT_FALSE(parse_url(text)) << text;
}

TEST(RenderUrlTest, ProductHostAcceptsUrlsAndHostPorts) {
  EXPECT_EQ(product_host("mail.example.com"), "mail.example.com");
  EXPECT_EQ(product_host("Mail.Example.com:8080"), "mail.example.com");
  EXPECT_EQ(product_host("https://mail.example.com/mail"), "mail.example.com");
  EXPECT_FALSE(product_host(""));
  EXPECT_FALSE(product_host("https://"));
}

TEST(RenderUrlTest, RecognisesIpLiterals) {
  EXPECT_TRUE(is_ip_literal("10.0.0.1"));
  EXPECT_TRUE(is_ip_literal("::1"));
  EXPECT_TRUE(is_ip_literal("[fe80::1]"));
  EXPECT_FALSE(is_ip_literal("st.example.com"));
}

TEST(RenderUrlTest, EndpointsUsePublicUrlAndListenerPortForTheOtherScheme) {
  GatewayConfig config = testing::sample_config();
  auto endpoints = gateway_endpoints(config);
  ASSERT_TRUE(endpoints);
  ASSERT_TRUE(endpoints->https && endpoints->http);
  EXPECT_EQ(endpoints->https->to_string(), "https://st.example.com");
  EXPECT_EQ(endpoints->http->to_string(), "http://st.example.com");

  config.listeners[1].address.port = 8080;
  endpoints = gateway_endpoints(config);
  EXPECT_EQ(endpoints->http->to_string(), "http://st.example.com:8080");

  config.listeners.pop_back();
  endpoints = gateway_endpoints(config);
  EXPECT_FALSE(endpoints->http);
}

TEST(RenderUrlTest, EndpointsNeedAPublicUrl) {
  GatewayConfig config = testing::sample_config();
  config.integration.public_url.clear();
  auto endpoints = gateway_endpoints(config);
  ASSERT_FALSE(endpoints);
  EXPECT_NE(endpoints.error().find("public_url"), std::string::npos);
  config.integration.public_url = "st.example.com";
  EXPECT_FALSE(gateway_endpoints(config));
}

} // namespace
} // namespace stgw::config
