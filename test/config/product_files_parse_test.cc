#include <gtest/gtest.h>

#include "config/product_files.h"

namespace stgw::config {
namespace {

TEST(NotesIniTest, ReadsKeysCaseInsensitivelyFirstWins) {
  const NotesIni ini = parse_notes_ini("[Notes]\r\nKitType=2\r\n; comment\r\n"
                                       "inotes_wa_sametimeproxy = 1 \r\nnoequals\r\n"
                                       "iNotes_WA_SametimeProxy=0\r\n=novalue\r\n");
  ASSERT_EQ(ini.settings.size(), 3u);
  const Setting* s = ini.find("iNotes_WA_SametimeProxy");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->value, "1");
  EXPECT_EQ(s->line, 4);
  EXPECT_EQ(ini.find_all("INOTES_WA_SAMETIMEPROXY").size(), 2u);
  EXPECT_EQ(ini.find("missing"), nullptr);
}

TEST(PropertiesTest, ReadsSeparatorsEscapesAndContinuations) {
  const Properties props = parse_properties("# comment\n! other comment\n"
                                            "a=1\n"
                                            "b : two words\n"
                                            "c value\n"
                                            "d=first \\\n    second\n"
                                            "key\\ with\\=odd=\\u00e9\\t\\\\\n"
                                            "a=override\n"
                                            "   \n");
  EXPECT_EQ(props.find("a")->value, "override");
  EXPECT_EQ(props.find("b")->value, "two words");
  EXPECT_EQ(props.find("c")->value, "value");
  EXPECT_EQ(props.find("d")->value, "first second");
  EXPECT_EQ(props.find("d")->line, 6);
  ASSERT_NE(props.find("key with=odd"), nullptr);
  EXPECT_EQ(props.find("key with=odd")->value, "\xC3\xA9\t\\");
}

TEST(PropertiesTest, SurvivesMalformedEscapes) {
  const Properties props = parse_properties("a=\\u12\nb=\\\n");
  EXPECT_EQ(props.find("a")->value, "u12");
  EXPECT_EQ(props.find("b")->value, "");
}

TEST(ConnectionsConfigTest, FindsTheServiceReferenceWhateverThePrefix) {
  const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<config xmlns:sl="http://www.ibm.com/service-location">
  <sl:serviceReference serviceName="profiles" enabled="true"/>
  <sl:serviceReference enabled="true" serviceName="sametimeProxy" ssl_enabled="true"
      isConnectClient="false">
    <sl:href>
      <sl:hrefPathPrefix/>
      <sl:static href="http://st.example.com" ssl_href="https://st.example.com"/>
      <sl:interService href="https://st.example.com"/>
    </sl:href>
  </sl:serviceReference>
</config>
)";
  auto ref = find_sametime_proxy_reference(xml);
  ASSERT_TRUE(ref && *ref);
  EXPECT_EQ((*ref)->line, 4);
  EXPECT_EQ((*ref)->enabled, "true");
  EXPECT_EQ((*ref)->ssl_enabled, "true");
  EXPECT_EQ((*ref)->is_connect_client, "false");
  EXPECT_EQ((*ref)->static_href, "http://st.example.com");
  EXPECT_EQ((*ref)->static_ssl_href, "https://st.example.com");
  EXPECT_EQ((*ref)->interservice_href, "https://st.example.com");
}

TEST(ConnectionsConfigTest, ReportsAbsenceAndMalformedXml) {
  auto none = find_sametime_proxy_reference("<config><a/></config>");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  auto bad = find_sametime_proxy_reference("<config>\n  <a>\n</config>\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("line 3"), std::string::npos) << bad.error();
  EXPECT_FALSE(find_sametime_proxy_reference(""));
}

TEST(ThemeProfileTest, ListsModuleIds) {
  auto profile = parse_theme_profile(R"({"moduleIDs": ["a", 3, "wp_sametime_proxy"]})");
  ASSERT_TRUE(profile);
  EXPECT_TRUE(profile->has_module_ids);
  EXPECT_TRUE(profile->has_module("wp_sametime_proxy"));
  EXPECT_FALSE(profile->has_module("b"));
  EXPECT_FALSE(parse_theme_profile(R"({"moduleIDs": 1})")->has_module_ids);
  EXPECT_FALSE(parse_theme_profile("[]"));
  EXPECT_FALSE(parse_theme_profile("{\"a\":"));
}

TEST(LimitsConfTest, ParsesLinesAndListsWhatPamIgnores) {
  const LimitsConf conf = parse_limits_conf("# comment\n"
                                            "*      soft  nofile  4096  # trailing\n"
                                            "stgw   -     nofile  65535\n"
                                            "@web   hard  nofile  unlimited\n"
                                            "bad line\n"
                                            "x middle nofile 1\n"
                                            "y soft nofile many\n");
  ASSERT_EQ(conf.entries.size(), 3u);
  EXPECT_EQ(conf.entries[0].number, 4096);
  EXPECT_EQ(conf.entries[0].line, 2);
  EXPECT_FALSE(conf.entries[2].number);
  ASSERT_EQ(conf.problems.size(), 3u);
  EXPECT_TRUE(conf.problems[0].starts_with("line 5:"));
}

TEST(LimitsConfTest, UserBeatsGroupBeatsWildcardAndLastWins) {
  const LimitsConf conf = parse_limits_conf("*     soft nofile 1000\n"
                                            "*     hard nofile 2000\n"
                                            "@web hard nofile 3000\n"
                                            "*     hard nofile 2500\n"
                                            "stgw soft nofile 5000\n"
                                            "stgw soft nofile 6000\n");
  EffectiveLimit limit = effective_limit(conf, "stgw", {"web"}, "nofile");
  EXPECT_EQ(limit.soft, 6000);
  EXPECT_EQ(limit.soft_line, 6);
  EXPECT_EQ(limit.hard, 3000);
  limit = effective_limit(conf, "other", {}, "nofile");
  EXPECT_EQ(limit.soft, 1000);
  EXPECT_EQ(limit.hard, 2500);
  EXPECT_FALSE(effective_limit(conf, "other", {}, "nproc").soft);
}

TEST(LimitsConfTest, WildcardDoesNotApplyToRoot) {
  const LimitsConf conf = parse_limits_conf("* - nofile 65535\nroot hard nofile 4096\n");
  const EffectiveLimit limit = effective_limit(conf, "root", {}, "nofile");
  EXPECT_FALSE(limit.soft);
  EXPECT_EQ(limit.hard, 4096);
}

} // namespace
} // namespace stgw::config
