#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "loadtest/load/credentials.h"
#include "loadtest/load/report.h"
#include "ssoauth/ltpa_keys.h"
#include "ssoauth/validator.h"

namespace stgw::load {
namespace {

namespace fs = std::filesystem;

class CredentialsTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "stgw-load-cred-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  fs::path dir_;
};

TEST_F(CredentialsTest, TokenLinesSkipBlanksAndComments) {
  auto tokens = parse_token_lines("# made by stgw token mint\n\n  abc= \r\ndef\n\t\n#x\nghi");
  EXPECT_EQ(tokens, (std::vector<std::string>{"abc=", "def", "ghi"}));
}

TEST_F(CredentialsTest, TokenFileGivesOneCookiePerToken) {
  Options o;
  o.token_file = write("tokens.txt", "t1\nt2\nt3\n");
  o.cookie_name = "LtpaToken";
  auto cookies = load_cookies(o, 10);
  ASSERT_TRUE(cookies) << cookies.error();
  EXPECT_EQ(*cookies, (std::vector<std::string>{"LtpaToken=t1", "LtpaToken=t2", "LtpaToken=t3"}));
}

TEST_F(CredentialsTest, TokenFileErrorsNameTheFileNotTheContent) {
  Options o;
  o.token_file = write("bad.txt", "secret-part-one; secret-two\n");
  auto bad = load_cookies(o, 1);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("bad.txt"), std::string::npos);
  EXPECT_EQ(bad.error().find("secret"), std::string::npos);

  o.token_file = write("empty.txt", "\n# nothing\n");
  EXPECT_FALSE(load_cookies(o, 1));
  o.token_file = (dir_ / "missing.txt").string();
  EXPECT_FALSE(load_cookies(o, 1));
}

TEST_F(CredentialsTest, FixedCookieOrNothing) {
  Options o;
  EXPECT_TRUE(load_cookies(o, 5)->empty());
  o.cookie = "LtpaToken2=xyz; other=1";
  EXPECT_EQ(*load_cookies(o, 5), std::vector<std::string>{"LtpaToken2=xyz; other=1"});
}

TEST_F(CredentialsTest, MintsOneValidTokenPerUser) {
  auto text = ssoauth::generate_ltpa_keys_file("load-password", "loadrealm");
  ASSERT_TRUE(text);
  Options o;
  o.keys_file = write("ltpa.keys", *text);
  o.password_file = write("ltpa.password", "load-password\n");
  o.user_prefix = "u";
  auto cookies = load_cookies(o, 5);
  ASSERT_TRUE(cookies) << cookies.error();
  ASSERT_EQ(cookies->size(), 5u);

  auto keys = ssoauth::load_ltpa_keys_file(o.keys_file, "load-password");
  ASSERT_TRUE(keys);
  std::vector<ssoauth::TrustedKeySet> sets{{*keys, ""}};
  ssoauth::Validator validator({}, std::move(sets), {});
  std::set<std::string> users;
  for (const auto& cookie : *cookies) {
    ASSERT_TRUE(cookie.starts_with("LtpaToken2="));
    auto identity = validator.verify_token(ssoauth::TokenFormat::Ltpa2, cookie.substr(11),
                                           ssoauth::Clock::now());
    ASSERT_TRUE(identity);
    users.insert(identity->user);
    EXPECT_EQ(identity->realm, "loadrealm");
  }
  EXPECT_EQ(users, (std::set<std::string>{"u1", "u2", "u3", "u4", "u5"}));
}

TEST_F(CredentialsTest, WrongPasswordIsReportedWithoutSecrets) {
  auto text = ssoauth::generate_ltpa_keys_file("right-password", "r");
  ASSERT_TRUE(text);
  Options o;
  o.keys_file = write("ltpa.keys", *text);
  o.password_file = write("ltpa.password", "wrong-password\n");
  auto cookies = load_cookies(o, 1);
  ASSERT_FALSE(cookies);
  EXPECT_NE(cookies.error().find("wrong password"), std::string::npos);
  EXPECT_EQ(cookies.error().find("wrong-password"), std::string::npos);
}

TEST(ReportTest, JsonCarriesTheAwarenessFigures) {
  Options o;
  o.scenario = Scenario::Awareness;
  o.users = 4;
  o.url.host_header = "127.0.0.1:9";
  RunSummary s;
  s.options = &o;
  s.seconds = 2.0;
  s.threads = 1;
  s.tally.requests = 10;
  s.tally.latency.record(2'000'000);
  s.tally.count_status(200);
  s.tally.count_status(401);
  s.tally.count_error(ErrorKind::TlsClosed);
  s.tally.users = 4;
  s.tally.users_ever_parked = 3;
  s.polls_parked_max = 3;
  nlohmann::json j = to_json(s);
  EXPECT_EQ(j["scenario"], "awareness");
  EXPECT_EQ(j["requests_per_s"], 5.0);
  EXPECT_EQ(j["errors"]["total"], 2);
  EXPECT_EQ(j["errors"]["status_401"], 1);
  EXPECT_EQ(j["errors"]["tls_closed"], 1);
  EXPECT_FALSE(j["errors"].contains("connect"));
  EXPECT_EQ(j["status"]["200"], 1);
  EXPECT_NEAR(j["latency_ms"]["p50"].get<double>(), 2.0, 0.05);
  EXPECT_EQ(j["awareness"]["users_parked"], 3);
  EXPECT_EQ(j["awareness"]["polls_parked_max"], 3);
  std::string text = to_text(s);
  EXPECT_NE(text.find("tls_closed:1"), std::string::npos);
  EXPECT_NE(text.find("ever parked 3"), std::string::npos);
}

TEST(ReportTest, RpsJsonHasNoAwarenessPart) {
  Options o;
  o.url.host_header = "127.0.0.1:9";
  RunSummary s;
  s.options = &o;
  nlohmann::json j = to_json(s);
  EXPECT_FALSE(j.contains("awareness"));
  EXPECT_EQ(j["connections"], 50);
  EXPECT_EQ(j["requests_per_s"], 0.0);
}

} // namespace
} // namespace stgw::load
