#include <gtest/gtest.h>

#include "config/product_files.h"
#include "config/product_files_lint.h"
#include "config/render.h"

namespace stgw::config {
namespace testing {
GatewayConfig sample_config();
}
namespace {

std::string render_text(const GatewayConfig& config, RenderTarget target) {
  auto out = render(config, target, {});
  EXPECT_TRUE(out) << (out ? "" : out.error().message);
  return out ? out->text : "";
}

TEST(RenderInotesTest, WritesTheNotesIniLinesForTheGateway) {
  const std::string text = render_text(testing::sample_config(), RenderTarget::Inotes);
  EXPECT_TRUE(text.starts_with("; Rendered by `stgw config render --for inotes`")) << text;
  EXPECT_NE(text.find("notes.ini"), std::string::npos);
  EXPECT_NE(text.find("mail.example.com"), std::string::npos);
  const NotesIni ini = parse_notes_ini(text);
  ASSERT_EQ(ini.settings.size(), 4u) << text;
  EXPECT_EQ(ini.find("iNotes_WA_SametimeProxy")->value, "1");
  EXPECT_EQ(ini.find("iNotes_WA_SametimeProxyServer")->value, "http://st.example.com");
  EXPECT_EQ(ini.find("iNotes_WA_SametimeProxyServerSSL")->value, "https://st.example.com");
  EXPECT_EQ(ini.find("iNotes_WA_SametimeProxyLogin")->value, "0");
}

TEST(RenderInotesTest, AsksForLoginOnlyWithoutSso) {
  GatewayConfig config = testing::sample_config();
  config.sso.reset();
  const NotesIni ini = parse_notes_ini(render_text(config, RenderTarget::Inotes));
  EXPECT_EQ(ini.find("iNotes_WA_SametimeProxyLogin")->value, "1");
}

TEST(RenderInotesTest, UsesListenerPortsAndTheTlsUrlWithoutCleartextListener) {
  GatewayConfig config = testing::sample_config();
  config.integration.public_url = "https://st.example.com:8443/st";
  config.listeners[1].address.port = 8080;
  NotesIni ini = parse_notes_ini(render_text(config, RenderTarget::Inotes));
  EXPECT_EQ(ini.find("iNotes_WA_SametimeProxyServer")->value, "http://st.example.com:8080/st");
  EXPECT_EQ(ini.find("iNotes_WA_SametimeProxyServerSSL")->value, "https://st.example.com:8443/st");

  config.listeners.pop_back();
  ini = parse_notes_ini(render_text(config, RenderTarget::Inotes));
  EXPECT_EQ(ini.find("iNotes_WA_SametimeProxyServer")->value, "https://st.example.com:8443/st");
}

TEST(RenderInotesTest, OutputPassesTheInotesCheck) {
  const GatewayConfig config = testing::sample_config();
  const auto results =
      check_notes_ini(config, render_text(config, RenderTarget::Inotes), "notes.ini");
  ASSERT_EQ(results.size(), 1u) << results.front().to_line();
  EXPECT_EQ(results[0].severity, Severity::Ok) << results[0].to_line();
}

TEST(RenderInotesTest, RefusesAConfigWithoutPublicUrl) {
  GatewayConfig config = testing::sample_config();
  config.integration.public_url.clear();
  auto out = render(config, RenderTarget::Inotes, {});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, RenderError::BadPublicUrl);
  EXPECT_NE(out.error().message.find("public_url"), std::string::npos);
}

TEST(RenderTargetTest, NamesRoundTrip) {
  for (auto target : {RenderTarget::Inotes, RenderTarget::Connections, RenderTarget::Portal,
                      RenderTarget::PortalProfile, RenderTarget::Limits, RenderTarget::Was})
    EXPECT_EQ(parse_render_target(to_string(target)), target);
  EXPECT_FALSE(parse_render_target("notes"));
}

} // namespace
} // namespace stgw::config
