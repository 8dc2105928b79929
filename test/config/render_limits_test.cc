#include <gtest/gtest.h>

#include "config/budget_math.h"
#include "config/product_files.h"
#include "config/product_files_lint.h"
#include "config/render.h"

namespace stgw::config {
namespace testing {
GatewayConfig sample_config();
}
namespace {

std::string render_limits(const GatewayConfig& config, const std::string& user = "stgw") {
  RenderOptions options;
  options.limits_user = user;
  auto out = render(config, RenderTarget::Limits, options);
  EXPECT_TRUE(out);
  return out ? out->text : "";
}

TEST(RenderLimitsTest, SizesNofileFromTheBudget) {
  const GatewayConfig config = testing::sample_config();
  const std::string text = render_limits(config, "stgwd");
  EXPECT_TRUE(text.starts_with("# Rendered by")) << text;
  EXPECT_NE(text.find("/etc/security/limits.conf"), std::string::npos);
  const LimitsConf conf = parse_limits_conf(text);
  EXPECT_TRUE(conf.problems.empty());
  ASSERT_EQ(conf.entries.size(), 2u) << text; // the guide's lines are comments
  const EffectiveLimit limit = effective_limit(conf, "stgwd", {}, "nofile");
  // 2 x 20000 + 2 listeners x 2 workers + admin + access log + 64 reserve.
  EXPECT_EQ(limit.soft, 40070);
  EXPECT_EQ(limit.hard, 40070);
  EXPECT_EQ(nofile_needed(config, 20000), 40070);
  EXPECT_NE(text.find("LimitNOFILE=40070"), std::string::npos);
}

TEST(RenderLimitsTest, ListsTheGuideValuesForTheSametimeServers) {
  const std::string text = render_limits(testing::sample_config());
  for (const char* server : {"Sametime Proxy Server", "Sametime Community Server",
                             "Sametime Meeting Server", "Sametime Advanced Server"})
    EXPECT_NE(text.find(server), std::string::npos) << server;
  EXPECT_NE(text.find("#   root hard nofile 65535"), std::string::npos);
}

TEST(RenderLimitsTest, UsesTheGuideValueWhenCapacityIsDerived) {
  GatewayConfig config = testing::sample_config();
  config.budget.max_client_connections = 0;
  const LimitsConf conf = parse_limits_conf(render_limits(config));
  EXPECT_EQ(effective_limit(conf, "stgw", {}, "nofile").hard, 65535);
}

TEST(RenderLimitsTest, OutputPassesTheNofileCheck) {
  const GatewayConfig config = testing::sample_config();
  NofileFacts facts;
  facts.limits_conf = render_limits(config);
  facts.limits_conf_name = "limits.conf";
  facts.user = "stgw";
  const auto results = check_nofile(config, facts);
  ASSERT_EQ(results.size(), 1u) << results.front().to_line();
  EXPECT_EQ(results[0].severity, Severity::Ok) << results[0].to_line();
}

} // namespace
} // namespace stgw::config
