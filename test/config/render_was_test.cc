#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "config/render.h"

namespace stgw::config {
namespace testing {
GatewayConfig sample_config();
}
namespace {

// The was output is "Label = value" lines between '#' comments.
std::map<std::string, std::string> settings_of(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.front() == '#')
      continue;
    const auto eq = line.find(" = ");
    EXPECT_NE(eq, std::string::npos) << line;
    if (eq != std::string::npos)
      out[line.substr(0, eq)] = line.substr(eq + 3);
  }
  return out;
}

std::string render_was(const GatewayConfig& config, std::vector<std::string> addresses = {}) {
  RenderOptions options;
  options.gateway_addresses = std::move(addresses);
  auto out = render(config, RenderTarget::Was, options);
  EXPECT_TRUE(out) << (out ? "" : out.error().message);
  return out ? out->text : "";
}

TEST(RenderWasTest, NamesTheWebSphereSettingsWithTheConfigValues) {
  GatewayConfig config = testing::sample_config();
  config.listeners.pop_back(); // TLS only
  const std::string text = render_was(config, {"10.0.0.5", "10.0.0.6"});
  EXPECT_TRUE(text.starts_with("# Rendered by")) << text;
  const auto settings = settings_of(text);
  EXPECT_EQ(settings.at("httpsIndicatorHeader"), "X-Forwarded-Proto");
  EXPECT_EQ(settings.at("trustedSensitiveHeaderOrigin"), "10.0.0.5,10.0.0.6");
  EXPECT_EQ(settings.at("trustedHeaderOrigin"), "10.0.0.5,10.0.0.6");
  EXPECT_EQ(settings.at("Domain name"), ".example.com");
  EXPECT_EQ(settings.at("Interoperability mode"), "true");
  EXPECT_EQ(settings.at("LTPA V1 cookie name"), "LtpaToken");
  EXPECT_EQ(settings.at("LTPA V2 cookie name"), "LtpaToken2");
  EXPECT_EQ(settings.at("Requires SSL"), "true");
  EXPECT_EQ(text.find("ltpa.pw"), std::string::npos); // nothing about secrets
}

TEST(RenderWasTest, FollowsTheSsoSettings) {
  GatewayConfig config = testing::sample_config();
  config.sso->accept = {TokenFormat::Ltpa2};
  config.sso->cookie_v2 = "MyLtpa2";
  config.integration.connections_url = "http://connections.example.com";
  const auto settings = settings_of(render_was(config));
  EXPECT_EQ(settings.at("Interoperability mode"), "false");
  EXPECT_EQ(settings.at("LTPA V2 cookie name"), "MyLtpa2");
  EXPECT_EQ(settings.at("Requires SSL"), "false");
}

TEST(RenderWasTest, LeavesHttpsIndicatorUnsetWithCleartextListenersAndMarksPlaceholders) {
  const std::string text = render_was(testing::sample_config());
  const auto settings = settings_of(text);
  EXPECT_EQ(settings.count("httpsIndicatorHeader"), 0u) << text;
  EXPECT_EQ(settings.at("trustedSensitiveHeaderOrigin"), "<address stgw connects from>");
  EXPECT_NE(text.find("REPLACE"), std::string::npos);
}

TEST(RenderWasTest, NeedsAnSsoSection) {
  GatewayConfig config = testing::sample_config();
  config.sso.reset();
  auto out = render(config, RenderTarget::Was, {});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, RenderError::NoSso);
}

} // namespace
} // namespace stgw::config
