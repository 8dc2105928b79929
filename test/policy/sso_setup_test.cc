#include "gateway/policy/sso_setup.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "ssoauth/mint.h"

namespace stgw::policy {
namespace {

class SsoSetupTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "stgw-sso-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    keys_text_ = *ssoauth::generate_ltpa_keys_file("S3cret-pw", "SetupRealm");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    auto path = dir_ / name;
    std::ofstream(path) << content;
    return path.string();
  }

  std::filesystem::path dir_;
  std::string keys_text_;
};

TEST_F(SsoSetupTest, LoadsEveryKeySetAndSecret) {
  config::SsoConfig sso;
  sso.cookie_v2 = "MyToken2";
  sso.accept = {config::TokenFormat::Ltpa2, config::TokenFormat::Domino};
  sso.clock_skew = std::chrono::seconds(30);
  sso.expiry_diff_tolerance = std::chrono::milliseconds(-1);
  sso.keys.push_back({write("a.keys", keys_text_), write("a.pw", "S3cret-pw\n"), "SetupRealm"});
  sso.keys.push_back({write("b.keys", keys_text_), write("b.pw", "S3cret-pw"), ""});
  sso.domino.push_back({write("d.secret", "AAECAwQFBgcICQoLDA0ODxAREhM=\n")});
  auto validator = build_validator(sso);
  ASSERT_TRUE(validator.has_value()) << validator.error().front();
  EXPECT_EQ((*validator)->key_set_count(), 2u);
  EXPECT_EQ((*validator)->domino_secret_count(), 1u);
  const auto& options = (*validator)->options();
  EXPECT_EQ(options.cookie_v2, "MyToken2");
  EXPECT_EQ(options.cookie_v1, "LtpaToken");
  EXPECT_EQ(options.accept, (std::vector<ssoauth::TokenFormat>{ssoauth::TokenFormat::Ltpa2,
                                                               ssoauth::TokenFormat::Domino}));
  EXPECT_EQ(options.clock_skew, std::chrono::seconds(30));
  EXPECT_EQ(options.expiry_diff_tolerance.count(), -1);
}

TEST_F(SsoSetupTest, TheConfiguredRealmIsEnforced) {
  config::SsoConfig sso;
  sso.keys.push_back({write("a.keys", keys_text_), write("a.pw", "S3cret-pw"), "OtherRealm"});
  auto validator = build_validator(sso);
  ASSERT_TRUE(validator.has_value());
  auto keys = *ssoauth::parse_ltpa_keys(keys_text_, "S3cret-pw");
  auto expires = ssoauth::Clock::now() + std::chrono::hours(1);
  auto token = *ssoauth::mint_ltpa2(keys, "user:SetupRealm/alice", {}, expires);
  EXPECT_EQ(
      (*validator)->verify_token(ssoauth::TokenFormat::Ltpa2, token, ssoauth::Clock::now()).error(),
      ssoauth::AuthFailure::RealmMismatch);
}

TEST_F(SsoSetupTest, RealmDefaultsToTheKeyFilesAndStarMeansAny) {
  auto keys = *ssoauth::parse_ltpa_keys(keys_text_, "S3cret-pw");
  auto expires = ssoauth::Clock::now() + std::chrono::hours(1);
  auto own = *ssoauth::mint_ltpa2(keys, "user:SetupRealm/alice", {}, expires);
  auto other = *ssoauth::mint_ltpa2(keys, "user:ldap.example.com:389/alice", {}, expires);
  config::SsoConfig by_file;
  by_file.keys.push_back({write("a.keys", keys_text_), write("a.pw", "S3cret-pw"), ""});
  auto strict = build_validator(by_file);
  ASSERT_TRUE(strict.has_value());
  EXPECT_TRUE((*strict)->verify_token(ssoauth::TokenFormat::Ltpa2, own, ssoauth::Clock::now()));
  EXPECT_EQ(
      (*strict)->verify_token(ssoauth::TokenFormat::Ltpa2, other, ssoauth::Clock::now()).error(),
      ssoauth::AuthFailure::RealmMismatch);
  config::SsoConfig any = by_file;
  any.keys[0].realm = "*";
  auto lenient = build_validator(any);
  ASSERT_TRUE(lenient.has_value());
  EXPECT_TRUE((*lenient)->verify_token(ssoauth::TokenFormat::Ltpa2, other, ssoauth::Clock::now()));
}

TEST_F(SsoSetupTest, ListsEveryErrorWithFileNamesButNoSecrets) {
  config::SsoConfig sso;
  std::string keys = write("a.keys", keys_text_);
  sso.keys.push_back({keys, (dir_ / "missing.pw").string(), ""});
  sso.keys.push_back({keys, write("wrong.pw", "Wr0ng-Passw0rd"), ""});
  sso.keys.push_back({(dir_ / "missing.keys").string(), write("ok.pw", "S3cret-pw"), ""});
  sso.domino.push_back({write("bad.secret", "c2hvcnQ=")});
  auto validator = build_validator(sso);
  ASSERT_FALSE(validator.has_value());
  const auto& errors = validator.error();
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_NE(errors[0].find("sso.keys[0].password_file: " + (dir_ / "missing.pw").string()),
            std::string::npos);
  EXPECT_NE(errors[1].find("sso.keys[1].file: " + keys), std::string::npos);
  EXPECT_NE(errors[1].find("cannot decrypt ltpa.keys: wrong password or damaged file"),
            std::string::npos);
  EXPECT_NE(errors[2].find("missing.keys"), std::string::npos);
  EXPECT_NE(errors[3].find("sso.domino[0].secret_file"), std::string::npos);
  for (const auto& e : errors) {
    EXPECT_EQ(e.find("Wr0ng"), std::string::npos) << e;
    EXPECT_EQ(e.find("S3cret"), std::string::npos) << e;
    EXPECT_EQ(e.find("c2hvcnQ"), std::string::npos) << e;
  }
}

TEST_F(SsoSetupTest, RefusesAConfigurationWithoutUsableKeyMaterial) {
  config::SsoConfig none;
  auto empty = build_validator(none);
  ASSERT_FALSE(empty.has_value());
  EXPECT_NE(empty.error().front().find("no key material"), std::string::npos);
  config::SsoConfig domino_only_accept;
  domino_only_accept.accept = {config::TokenFormat::Domino};
  domino_only_accept.keys.push_back({write("a.keys", keys_text_), write("a.pw", "S3cret-pw"), ""});
  EXPECT_FALSE(build_validator(domino_only_accept).has_value());
}

} // namespace
} // namespace stgw::policy
