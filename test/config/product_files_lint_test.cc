#include <gtest/gtest.h>

#include "config/product_files_lint.h"

namespace stgw::config {
namespace testing {
GatewayConfig sample_config();
}
namespace {

std::string lines(const std::vector<CheckResult>& results) {
  std::string out;
  for (const CheckResult& r : results)
    out += r.to_line() + "\n";
  return out;
}

// Exactly one OK result for |check|.
void expect_ok(const std::vector<CheckResult>& results, std::string_view check) {
  ASSERT_EQ(results.size(), 1u) << lines(results);
  EXPECT_EQ(results[0].check, check);
  EXPECT_EQ(results[0].severity, Severity::Ok) << lines(results);
  EXPECT_TRUE(results[0].fix.empty());
}

// A result of |severity| for |check| whose text mentions |needle|, with a fix.
void expect_finding(const std::vector<CheckResult>& results, std::string_view check,
                    Severity severity, std::string_view needle) {
  for (const CheckResult& r : results) {
    if (r.check == check && r.severity == severity && r.found.find(needle) != std::string::npos) {
      EXPECT_FALSE(r.fix.empty()) << r.to_line();
      EXPECT_NE(r.to_line().find("(fix: "), std::string::npos);
      return;
    }
  }
  ADD_FAILURE() << "no " << to_string(severity) << " " << check << " mentioning \"" << needle
                << "\" in:\n"
                << lines(results);
}

constexpr std::string_view kNotesIni = "[Notes]\n"
                                       "KitType=2\n"
                                       "iNotes_WA_SametimeProxy=1\n"
                                       "iNotes_WA_SametimeProxyServer=http://st.example.com\n"
                                       "iNotes_WA_SametimeProxyServerSSL=https://st.example.com/\n"
                                       "iNotes_WA_SametimeProxyLogin=0\n";

constexpr std::string_view kConnectionsXml = R"(<?xml version="1.0" encoding="UTF-8"?>
<config xmlns:sloc="http://www.ibm.com/service-location">
  <sloc:serviceReference bootstrapHost="" bootstrapPort="" clusterName="" enabled="true"
      serviceName="sametimeProxy" ssl_enabled="true" isConnectClient="false">
    <sloc:href>
      <sloc:hrefPathPrefix/>
      <sloc:static href="http://st.example.com" ssl_href="https://st.example.com:443"/>
      <sloc:interService href="https://st.example.com"/>
    </sloc:href>
  </sloc:serviceReference>
</config>
)";

constexpr std::string_view kPortalProperties = "cc.sametime.proxy.enabled=true\n"
                                               "cc.sametime.proxy.scheme=https\n"
                                               "cc.sametime.proxy.host=st.example.com\n"
                                               "cc.sametime.proxy.port=443\n"
                                               "cc.sametime.proxy.version=9.0.1\n"
                                               "cc.sametime.connect.client=false\n";

std::string replaced(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  const auto pos = out.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos)
    out.replace(pos, from.size(), to);
  return out;
}

// ---- sso-domain

TEST(SsoDomainCheckTest, OkWhenEveryHostIsUnderTheDomain) {
  expect_ok(check_sso_domain(testing::sample_config()), "sso-domain");
}

TEST(SsoDomainCheckTest, FailsWithoutLeadingDot) {
  GatewayConfig config = testing::sample_config();
  config.sso->domain = "example.com";
  expect_finding(check_sso_domain(config), "sso-domain", Severity::Fail, "does not start with");
}

TEST(SsoDomainCheckTest, FailsForAHostOutsideTheDomain) {
  GatewayConfig config = testing::sample_config();
  config.integration.portal_url = "https://portal.example.org/wps/portal";
  expect_finding(check_sso_domain(config), "sso-domain", Severity::Fail, "portal.example.org");
  config = testing::sample_config();
  config.integration.public_url = "https://10.1.2.3";
  expect_finding(check_sso_domain(config), "sso-domain", Severity::Fail, "IP address");
}

TEST(SsoDomainCheckTest, FailsForTopLevelAndEmptyDomains) {
  GatewayConfig config = testing::sample_config();
  config.sso->domain = ".com";
  expect_finding(check_sso_domain(config), "sso-domain", Severity::Fail, "top-level");
  config.sso->domain = "";
  expect_finding(check_sso_domain(config), "sso-domain", Severity::Fail, "empty");
}

TEST(SsoDomainCheckTest, ChecksAnAbsoluteLoginUrlButNotAPath) {
  GatewayConfig config = testing::sample_config();
  config.sso->login_url = "/names.nsf?Login";
  expect_ok(check_sso_domain(config), "sso-domain");
  config.sso->login_url = "https://login.example.net/names.nsf?Login";
  expect_finding(check_sso_domain(config), "sso-domain", Severity::Fail, "login.example.net");
}

TEST(SsoDomainCheckTest, SkipsWithoutSso) {
  GatewayConfig config = testing::sample_config();
  config.sso.reset();
  const auto results = check_sso_domain(config);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].severity, Severity::Skip);
}

// ---- sso-cookies

TEST(SsoCookiesCheckTest, OkForInteroperabilityModeNames) {
  expect_ok(check_sso_cookies(testing::sample_config()), "sso-cookies");
}

TEST(SsoCookiesCheckTest, FailsWhenBothVersionsShareAName) {
  GatewayConfig config = testing::sample_config();
  config.sso->cookie_v1 = "LtpaToken2";
  expect_finding(check_sso_cookies(config), "sso-cookies", Severity::Fail, "both");
}

TEST(SsoCookiesCheckTest, FailsForAnInvalidOrMissingName) {
  GatewayConfig config = testing::sample_config();
  config.sso->cookie_v2 = "Ltpa Token2";
  expect_finding(check_sso_cookies(config), "sso-cookies", Severity::Fail, "not a valid");
  config = testing::sample_config();
  config.sso->cookie_v1 = "";
  expect_finding(check_sso_cookies(config), "sso-cookies", Severity::Fail, "cookie_v1");
}

TEST(SsoCookiesCheckTest, WarnsForNonStandardNamesAndV2OnlyWithInotes) {
  GatewayConfig config = testing::sample_config();
  config.sso->cookie_v1 = "DominoToken";
  expect_finding(check_sso_cookies(config), "sso-cookies", Severity::Warn, "DominoToken");
  config = testing::sample_config();
  config.sso->accept = {TokenFormat::Ltpa2};
  expect_finding(check_sso_cookies(config), "sso-cookies", Severity::Warn, "interoperability");
  config.integration.inotes_servers.clear();
  expect_ok(check_sso_cookies(config), "sso-cookies");
}

// ---- inotes

TEST(InotesCheckTest, OkForMatchingLines) {
  expect_ok(check_notes_ini(testing::sample_config(), kNotesIni, "notes.ini"), "inotes");
}

TEST(InotesCheckTest, FailsForAnHttpUrlInTheSslSetting) {
  const std::string ini = replaced(kNotesIni, "ServerSSL=https://", "ServerSSL=http://");
  expect_finding(check_notes_ini(testing::sample_config(), ini, "notes.ini"), "inotes",
                 Severity::Fail, "http:// URL");
}

TEST(InotesCheckTest, FailsForWrongHostOrPort) {
  std::string ini = replaced(kNotesIni, "ServerSSL=https://st.example.com/",
                             "ServerSSL=https://stps1.example.com:9444");
  expect_finding(check_notes_ini(testing::sample_config(), ini, "notes.ini"), "inotes",
                 Severity::Fail, "notes.ini:5");
  ini = replaced(kNotesIni, "Server=http://st.example.com", "Server=http://st.example.com:9080");
  expect_finding(check_notes_ini(testing::sample_config(), ini, "notes.ini"), "inotes",
                 Severity::Fail, "does not point at the gateway");
}

TEST(InotesCheckTest, FailsWhenDisabledOrMissing) {
  std::string ini = replaced(kNotesIni, "SametimeProxy=1", "SametimeProxy=0");
  expect_finding(check_notes_ini(testing::sample_config(), ini, "notes.ini"), "inotes",
                 Severity::Fail, "iNotes_WA_SametimeProxy is \"0\"");
  expect_finding(check_notes_ini(testing::sample_config(), "KitType=2\n", "notes.ini"), "inotes",
                 Severity::Fail, "iNotes_WA_SametimeProxyServerSSL is missing");
}

TEST(InotesCheckTest, WarnsForLoginPromptWithSsoAndConflictingDuplicates) {
  std::string ini = replaced(kNotesIni, "ProxyLogin=0", "ProxyLogin=1");
  expect_finding(check_notes_ini(testing::sample_config(), ini, "notes.ini"), "inotes",
                 Severity::Warn, "ProxyLogin=1");
  ini = std::string(kNotesIni) + "iNotes_WA_SametimeProxyServer=http://old.example.com\n";
  expect_finding(check_notes_ini(testing::sample_config(), ini, "notes.ini"), "inotes",
                 Severity::Warn, "2 times");
}

// ---- connections

TEST(ConnectionsCheckTest, OkForMatchingServiceReference) {
  expect_ok(check_connections_config(testing::sample_config(), kConnectionsXml, "lcc.xml"),
            "connections");
}

TEST(ConnectionsCheckTest, FailsForConnectClientModeAndDisabled) {
  std::string xml =
      replaced(kConnectionsXml, "isConnectClient=\"false\"", "isConnectClient=\"true\"");
  expect_finding(check_connections_config(testing::sample_config(), xml, "lcc.xml"), "connections",
                 Severity::Fail, "isConnectClient");
  xml = replaced(kConnectionsXml, "enabled=\"true\"\n", "enabled=\"false\"\n");
  expect_finding(check_connections_config(testing::sample_config(), xml, "lcc.xml"), "connections",
                 Severity::Fail, "enabled is \"false\"");
}

TEST(ConnectionsCheckTest, FailsForHrefsThatBypassTheGateway) {
  const std::string xml = replaced(kConnectionsXml, "ssl_href=\"https://st.example.com:443\"",
                                   "ssl_href=\"https://stps1.example.com:9444\"");
  expect_finding(check_connections_config(testing::sample_config(), xml, "lcc.xml"), "connections",
                 Severity::Fail, "ssl_href");
}

TEST(ConnectionsCheckTest, FailsWhenSslEnabledDisagreesWithTheSchemes) {
  std::string xml = replaced(kConnectionsXml, "ssl_enabled=\"true\"", "ssl_enabled=\"false\"");
  expect_finding(check_connections_config(testing::sample_config(), xml, "lcc.xml"), "connections",
                 Severity::Fail, "ssl_enabled");
  xml = replaced(kConnectionsXml, "ssl_href=\"https://st.example.com:443\"",
                 "ssl_href=\"http://st.example.com\"");
  expect_finding(check_connections_config(testing::sample_config(), xml, "lcc.xml"), "connections",
                 Severity::Fail, "ssl_href");
}

TEST(ConnectionsCheckTest, InterServiceMayTargetABackendButNothingElse) {
  std::string xml = replaced(kConnectionsXml, "<sloc:interService href=\"https://st.example.com\"",
                             "<sloc:interService href=\"http://stps1.example.com:9081\"");
  expect_ok(check_connections_config(testing::sample_config(), xml, "lcc.xml"), "connections");
  xml = replaced(kConnectionsXml, "<sloc:interService href=\"https://st.example.com\"",
                 "<sloc:interService href=\"https://elsewhere.example.com\"");
  expect_finding(check_connections_config(testing::sample_config(), xml, "lcc.xml"), "connections",
                 Severity::Fail, "interService");
}

TEST(ConnectionsCheckTest, FailsForMissingElementOrMalformedXml) {
  expect_finding(check_connections_config(testing::sample_config(), "<config/>", "lcc.xml"),
                 "connections", Severity::Fail, "no <sloc:serviceReference");
  expect_finding(check_connections_config(testing::sample_config(), "<config>", "lcc.xml"),
                 "connections", Severity::Fail, "not well-formed");
}

// ---- portal

TEST(PortalCheckTest, OkForMatchingProperties) {
  expect_ok(check_portal_properties(testing::sample_config(), kPortalProperties, "p.properties"),
            "portal");
}

TEST(PortalCheckTest, FailsForWrongSchemeHostOrPort) {
  for (auto [from, to] : {std::pair{"scheme=https", "scheme=http"},
                          std::pair{"host=st.example.com", "host=stps1.example.com"},
                          std::pair{"port=443", "port=9444"}}) {
    const std::string props = replaced(kPortalProperties, from, to);
    expect_finding(check_portal_properties(testing::sample_config(), props, "p.properties"),
                   "portal", Severity::Fail, "prevent integration");
  }
}

TEST(PortalCheckTest, FailsForConnectClientAndWarnsForVersion) {
  std::string props = replaced(kPortalProperties, "client=false", "client=true");
  expect_finding(check_portal_properties(testing::sample_config(), props, "p.properties"), "portal",
                 Severity::Fail, "cc.sametime.connect.client=true");
  props = replaced(kPortalProperties, "version=9.0.1", "version=8.5");
  expect_finding(check_portal_properties(testing::sample_config(), props, "p.properties"), "portal",
                 Severity::Warn, "version");
}

// ---- portal-profile

TEST(PortalProfileCheckTest, FailsWithoutTheModuleAndWarnsForTheLegacyOne) {
  expect_ok(check_portal_profile(R"({"moduleIDs":["wp_sametime_proxy"]})", "p.json"),
            "portal-profile");
  expect_finding(check_portal_profile(R"({"moduleIDs":["wp_one_ui"]})", "p.json"), "portal-profile",
                 Severity::Fail, "lacks wp_sametime_proxy");
  expect_finding(
      check_portal_profile(R"({"moduleIDs":["wp_sametime_links","wp_sametime_proxy"]})", "p.json"),
      "portal-profile", Severity::Warn, "wp_sametime_links");
  expect_finding(check_portal_profile("{", "p.json"), "portal-profile", Severity::Fail, "JSON");
}

// ---- nofile

NofileFacts facts_with(std::optional<std::string> limits_conf, std::optional<std::int64_t> hard) {
  NofileFacts facts;
  facts.limits_conf = std::move(limits_conf);
  facts.limits_conf_name = "limits.conf";
  facts.running_hard = hard;
  facts.running_soft = hard ? std::optional<std::int64_t>(1024) : std::nullopt;
  facts.user = "stgw";
  return facts;
}

TEST(NofileCheckTest, OkWhenLimitsCoverTheBudget) {
  // Needed for 20000 clients: 40070.
  const auto results =
      check_nofile(testing::sample_config(), facts_with("stgw - nofile 65535\n", 1048576));
  ASSERT_EQ(results.size(), 2u) << lines(results);
  for (const CheckResult& r : results)
    EXPECT_EQ(r.severity, Severity::Ok) << r.to_line();
}

TEST(NofileCheckTest, FailsForLowLimitsInFileOrProcess) {
  expect_finding(
      check_nofile(testing::sample_config(),
                   facts_with("* soft nofile 4096\n* hard nofile 65535\n", std::nullopt)),
      "nofile", Severity::Fail, "soft nofile 4096");
  expect_finding(check_nofile(testing::sample_config(), facts_with(std::nullopt, 4096)), "nofile",
                 Severity::Fail, "running hard limit 4096");
  expect_finding(check_nofile(testing::sample_config(), facts_with("# nothing\n", std::nullopt)),
                 "nofile", Severity::Fail, "no soft nofile line");
}

TEST(NofileCheckTest, DerivedCapacityWarnsBelowTheGuideValue) {
  GatewayConfig config = testing::sample_config();
  config.budget.max_client_connections = 0;
  expect_finding(check_nofile(config, facts_with(std::nullopt, 4096)), "nofile", Severity::Warn,
                 "gives 2013 client connections");
  expect_finding(check_nofile(config, facts_with(std::nullopt, 50)), "nofile", Severity::Fail,
                 "gives 0 client");
}

TEST(NofileCheckTest, WarnsForLinesPamIgnores) {
  expect_finding(check_nofile(testing::sample_config(),
                              facts_with("stgw - nofile 65535\nstgw soft nofile lots\n", {})),
                 "nofile", Severity::Warn, "pam_limits ignores");
}

} // namespace
} // namespace stgw::config
