#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "config/product_files_lint.h"
#include "config/render.h"

namespace stgw::config {
namespace testing {
GatewayConfig sample_config();
}
namespace {

constexpr std::string_view kProfile = R"({
    "moduleIDs": [
        "wp_theme_portal_85",
        "wp_portlet_css",
        "wp_one_ui"
    ],
    "deferredModuleIDs": [ "wp_tools_pagebuilder", "wp_analytics" ],
    "titles": [ { "value": "Full [profile] \"quoted\" é", "lang": "en" } ],
    "layoutTemplates": { "moduleIDs": [ "nested_is_not_top_level" ] }
}
)";

std::string rendered(std::string_view input) {
  RenderOptions options;
  options.input = std::string(input);
  options.input_name = "profile_full.json";
  auto out = render(testing::sample_config(), RenderTarget::PortalProfile, options);
  EXPECT_TRUE(out) << (out ? "" : out.error().message);
  return out ? out->text : "";
}

TEST(RenderPortalProfileTest, AppendsTheModuleAndKeepsEverythingElse) {
  const std::string out = rendered(kProfile);
  std::string expected(kProfile);
  const std::string_view anchor = "\"wp_one_ui\"";
  expected.insert(expected.find(anchor) + anchor.size(), ",\n        \"wp_sametime_proxy\"");
  EXPECT_EQ(out, expected);

  const auto doc = nlohmann::ordered_json::parse(out);
  const auto before = nlohmann::ordered_json::parse(kProfile);
  EXPECT_EQ(doc["moduleIDs"].back(), "wp_sametime_proxy");
  EXPECT_EQ(doc["moduleIDs"].size(), before["moduleIDs"].size() + 1);
  EXPECT_EQ(doc["layoutTemplates"], before["layoutTemplates"]);
  EXPECT_EQ(doc["titles"], before["titles"]);
}

TEST(RenderPortalProfileTest, IsIdempotent) {
  const std::string once = rendered(kProfile);
  EXPECT_EQ(rendered(once), once);
  const auto doc = nlohmann::json::parse(rendered(once));
  EXPECT_EQ(std::count(doc["moduleIDs"].begin(), doc["moduleIDs"].end(), "wp_sametime_proxy"), 1);
}

TEST(RenderPortalProfileTest, FillsAnEmptyArrayAndCompactLayouts) {
  EXPECT_EQ(rendered(R"({"moduleIDs":[],"x":1})"), R"({"moduleIDs":["wp_sametime_proxy"],"x":1})");
  EXPECT_EQ(rendered(R"({"a":{"b":[1,"]"]},"moduleIDs":["m1","m2"]})"),
            R"({"a":{"b":[1,"]"]},"moduleIDs":["m1","m2","wp_sametime_proxy"]})");
}

TEST(RenderPortalProfileTest, FallsBackToTheParsedDocumentForOddLayouts) {
  // An escaped key name defeats the text scan; the result must still be right.
  const std::string out = rendered(R"({"module\u0049Ds": ["m1"]})");
  const auto doc = nlohmann::ordered_json::parse(out);
  EXPECT_EQ(doc["moduleIDs"], nlohmann::ordered_json::parse(R"(["m1","wp_sametime_proxy"])"));
}

TEST(RenderPortalProfileTest, RejectsWhatIsNotAThemeProfile) {
  RenderOptions options;
  auto out = render(testing::sample_config(), RenderTarget::PortalProfile, options);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, RenderError::MissingInput);
  for (const char* bad : {"{", "[1,2]", R"({"moduleIDs": "wp_one_ui"})", R"({"x": []})"}) {
    options.input = bad;
    out = render(testing::sample_config(), RenderTarget::PortalProfile, options);
    ASSERT_FALSE(out) << bad;
    EXPECT_EQ(out.error().code, RenderError::BadInput) << bad;
  }
}

TEST(RenderPortalProfileTest, OutputPassesTheProfileCheck) {
  const auto before = check_portal_profile(kProfile, "profile_full.json");
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].severity, Severity::Fail);
  const auto after = check_portal_profile(rendered(kProfile), "profile_full.json");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].severity, Severity::Ok) << after[0].to_line();
}

} // namespace
} // namespace stgw::config
