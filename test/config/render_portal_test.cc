#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "config/product_files.h"
#include "config/product_files_lint.h"
#include "config/render.h"

namespace stgw::config {
namespace testing {
GatewayConfig sample_config();
}
namespace {

Rendered render_portal(const GatewayConfig& config, PortalFormat format) {
  RenderOptions options;
  options.portal_format = format;
  auto out = render(config, RenderTarget::Portal, options);
  EXPECT_TRUE(out) << (out ? "" : out.error().message);
  return out ? *out : Rendered{};
}

TEST(RenderPortalTest, WritesTheCommonComponentConfigServiceProperties) {
  const Rendered out = render_portal(testing::sample_config(), PortalFormat::Properties);
  EXPECT_TRUE(out.text.starts_with("# Rendered by")) << out.text;
  EXPECT_NE(out.text.find("WP CommonComponentConfigService"), std::string::npos);
  const Properties props = parse_properties(out.text);
  EXPECT_EQ(props.settings.size(), 6u);
  EXPECT_EQ(props.find("cc.sametime.proxy.enabled")->value, "true");
  EXPECT_EQ(props.find("cc.sametime.proxy.scheme")->value, "https");
  EXPECT_EQ(props.find("cc.sametime.proxy.host")->value, "st.example.com");
  EXPECT_EQ(props.find("cc.sametime.proxy.port")->value, "443");
  EXPECT_EQ(props.find("cc.sametime.proxy.version")->value, "9.0.1");
  EXPECT_EQ(props.find("cc.sametime.connect.client")->value, "false");
  EXPECT_EQ(props.find("cc.sametime.proxy.url"), nullptr);
}

TEST(RenderPortalTest, AddsTheUrlForAMountUnderAPath) {
  GatewayConfig config = testing::sample_config();
  config.integration.public_url = "https://st.example.com:8443/sametime";
  const Properties props = parse_properties(render_portal(config, PortalFormat::Properties).text);
  EXPECT_EQ(props.find("cc.sametime.proxy.port")->value, "8443");
  EXPECT_EQ(props.find("cc.sametime.proxy.url")->value, "https://st.example.com:8443/sametime");
}

TEST(RenderPortalTest, OutputPassesThePortalCheck) {
  const GatewayConfig config = testing::sample_config();
  const auto results = check_portal_properties(
      config, render_portal(config, PortalFormat::Properties).text, "portal.properties");
  ASSERT_EQ(results.size(), 1u) << results.front().to_line();
  EXPECT_EQ(results[0].severity, Severity::Ok) << results[0].to_line();
}

TEST(RenderPortalTest, WsadminScriptSetsEveryProperty) {
  const std::string script = render_portal(testing::sample_config(), PortalFormat::Wsadmin).text;
  EXPECT_TRUE(script.starts_with("# Rendered by")) << script;
  EXPECT_NE(script.find("providerName = 'WP CommonComponentConfigService'"), std::string::npos);
  for (const char* pair :
       {"('cc.sametime.proxy.enabled', 'true')", "('cc.sametime.proxy.scheme', 'https')",
        "('cc.sametime.proxy.host', 'st.example.com')", "('cc.sametime.proxy.port', '443')",
        "('cc.sametime.proxy.version', '9.0.1')", "('cc.sametime.connect.client', 'false')"})
    EXPECT_NE(script.find(pair), std::string::npos) << pair;
  EXPECT_NE(script.find("AdminConfig.modify"), std::string::npos);
  EXPECT_NE(script.find("AdminConfig.create('J2EEResourceProperty'"), std::string::npos);
  EXPECT_NE(script.find("AdminConfig.save()"), std::string::npos);
}

// wsadmin's Jython is not here; Python 3 at least proves the script's syntax.
TEST(RenderPortalTest, WsadminScriptIsValidPythonSyntax) {
  if (std::system("python3 -c 'pass' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "no python3";
  GatewayConfig config = testing::sample_config();
  config.integration.sametime_version = "9.0 'quoted' \\ value";
  const std::string script = render_portal(config, PortalFormat::Wsadmin).text;
  const auto path = std::filesystem::temp_directory_path() /
                    ("stgw_wsadmin_" + std::to_string(::getpid()) + ".py");
  std::ofstream(path) << script;
  const std::string command = "python3 -c \"import sys; compile(open(sys.argv[1]).read(), "
                              "sys.argv[1], 'exec')\" " +
                              path.string();
  EXPECT_EQ(std::system(command.c_str()), 0) << script;
  std::filesystem::remove(path);
}

} // namespace
} // namespace stgw::config
