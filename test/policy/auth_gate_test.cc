#include "gateway/policy/auth_gate.h"

#include <gtest/gtest.h>

#include "ssoauth/mint.h"

namespace stgw::policy {
namespace {

using config::AuthMode;
using config::UnauthenticatedAction;
using Kind = AuthDecision::Kind;

constexpr std::int64_t kExpiresMs = 1'800'000'000'000;
const ssoauth::TimePoint kNow = ssoauth::from_unix_ms(kExpiresMs - 60'000);

const ssoauth::LtpaKeySet& keys(int index) {
  static const std::vector<ssoauth::LtpaKeySet> sets = [] {
    std::vector<ssoauth::LtpaKeySet> out;
    for (int i = 0; i < 2; ++i) {
      std::string realm = "GateRealm" + std::to_string(i);
      out.push_back(
          *ssoauth::parse_ltpa_keys(*ssoauth::generate_ltpa_keys_file("pw", realm), "pw"));
    }
    return out;
  }();
  return sets.at(static_cast<std::size_t>(index));
}

std::string token(int key, std::string_view user, std::int64_t expires_ms = kExpiresMs) {
  return *ssoauth::mint_ltpa2(keys(key), ssoauth::make_access_id(keys(key).realm, user), {},
                              ssoauth::from_unix_ms(expires_ms));
}

class AuthGateTest : public ::testing::Test {
protected:
  AuthGateTest() {
    sso_.login_url = "https://login.example.com/login";
    validator_ = std::make_shared<const ssoauth::Validator>(
        ssoauth::ValidatorOptions{}, std::vector<ssoauth::TrustedKeySet>{{keys(0), "GateRealm0"}},
        std::vector<ssoauth::DominoSecret>{});
  }

  // A browser page navigation carrying |cookie|.
  RequestFacts navigation(const std::string& cookie = {}) {
    cookie_ = cookie;
    cookies_[0] = cookie_;
    RequestFacts facts;
    facts.method = "GET";
    facts.target = "/stwebclient/index.jsp?lang=de&x=a%20b";
    facts.host = "st.example.com";
    facts.secure = true;
    facts.cookie_headers = std::span<const std::string_view>(cookies_, cookie_.empty() ? 0 : 1);
    facts.accept = "text/html,application/xhtml+xml,*/*;q=0.8";
    return facts;
  }

  AuthDecision decide(AuthMode mode, UnauthenticatedAction action, const RequestFacts& facts) {
    return AuthGate(validator_, sso_).decide(mode, action, facts, cache_, kNow);
  }

  config::SsoConfig sso_;
  std::shared_ptr<const ssoauth::Validator> validator_;
  ssoauth::ValidationCache cache_{64};
  std::string cookie_;
  std::string_view cookies_[1];
};

TEST_F(AuthGateTest, NoneForwardsWithoutLookingAtCookies) {
  auto d =
      decide(AuthMode::None, UnauthenticatedAction::Redirect, navigation("LtpaToken2=garbage"));
  EXPECT_EQ(d.kind, Kind::Forward);
  EXPECT_FALSE(d.identity.has_value());
  EXPECT_TRUE(d.reason.empty());
  EXPECT_EQ(validator_->verifications(), 0u);
}

TEST_F(AuthGateTest, OptionalForwardsWithTheIdentityWhenValid) {
  auto d = decide(AuthMode::Optional, UnauthenticatedAction::Reject401,
                  navigation("LtpaToken2=" + token(0, "alice")));
  EXPECT_EQ(d.kind, Kind::Forward);
  ASSERT_TRUE(d.identity.has_value());
  EXPECT_EQ(d.identity->user, "alice");
  EXPECT_EQ(d.identity->realm, "GateRealm0");
  EXPECT_TRUE(d.reason.empty());
}

TEST_F(AuthGateTest, OptionalForwardsAnonymouslyWhenMissingOrBad) {
  auto missing = decide(AuthMode::Optional, UnauthenticatedAction::Redirect, navigation());
  EXPECT_EQ(missing.kind, Kind::Forward);
  EXPECT_FALSE(missing.identity.has_value());
  EXPECT_EQ(missing.reason, "missing");
  auto expired = decide(AuthMode::Optional, UnauthenticatedAction::Redirect,
                        navigation("LtpaToken2=" + token(0, "a", kExpiresMs - 120'000)));
  EXPECT_EQ(expired.kind, Kind::Forward);
  EXPECT_FALSE(expired.identity.has_value());
  EXPECT_EQ(expired.reason, "expired");
}

TEST_F(AuthGateTest, RequiredForwardsValidTokensAndUsesTheCache) {
  RequestFacts facts = navigation("JSESSIONID=x; LtpaToken2=" + token(0, "alice"));
  auto first = decide(AuthMode::Required, UnauthenticatedAction::Reject401, facts);
  ASSERT_EQ(first.kind, Kind::Forward);
  ASSERT_TRUE(first.identity.has_value());
  auto crypto = validator_->verifications();
  auto second = decide(AuthMode::Required, UnauthenticatedAction::Reject401, facts);
  EXPECT_EQ(second.identity, first.identity);
  EXPECT_EQ(validator_->verifications(), crypto);
  EXPECT_EQ(cache_.hits(), 1u);
}

TEST_F(AuthGateTest, RequiredRejectsWithTheReason) {
  struct Case {
    std::string cookie;
    std::string_view reason;
  };
  std::string tampered = token(0, "alice");
  tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
  for (const Case& c : {Case{"", "missing"}, Case{"Other=1", "missing"},
                        Case{"LtpaToken2=" + token(0, "a", kExpiresMs - 120'000), "expired"},
                        Case{"LtpaToken2=" + tampered, "invalid"},
                        Case{"LtpaToken2=" + token(1, "wrong-key"), "invalid"},
                        Case{"LtpaToken2=not-base64!", "invalid"}}) {
    SCOPED_TRACE(c.cookie);
    auto d = decide(AuthMode::Required, UnauthenticatedAction::Reject401, navigation(c.cookie));
    EXPECT_EQ(d.kind, Kind::Reject);
    EXPECT_EQ(d.reason, c.reason);
    EXPECT_FALSE(d.identity.has_value());
  }
}

TEST_F(AuthGateTest, RedirectsPageNavigationsToTheLoginUrl) {
  auto d = decide(AuthMode::Required, UnauthenticatedAction::Redirect, navigation());
  ASSERT_EQ(d.kind, Kind::Redirect);
  EXPECT_EQ(d.location, "https://login.example.com/login?redirect=https%3A%2F%2Fst.example.com%2F"
                        "stwebclient%2Findex.jsp%3Flang%3Dde%26x%3Da%2520b");
  EXPECT_EQ(d.reason, "missing");
  RequestFacts plain = navigation();
  plain.secure = false;
  plain.method = "HEAD";
  plain.target = "/";
  plain.sec_fetch_mode = "navigate";
  plain.host = "st.example.com:8080";
  EXPECT_EQ(decide(AuthMode::Required, UnauthenticatedAction::Redirect, plain).location,
            "https://login.example.com/login?redirect=http%3A%2F%2Fst.example.com%3A8080%2F");
}

TEST_F(AuthGateTest, LoginUrlWithQueryOrOwnParameter) {
  sso_.login_url = "https://idp/names.nsf?Login&RedirectTo=";
  RequestFacts facts = navigation();
  facts.target = "/p";
  EXPECT_EQ(decide(AuthMode::Required, UnauthenticatedAction::Redirect, facts).location,
            "https://idp/names.nsf?Login&RedirectTo=https%3A%2F%2Fst.example.com%2Fp");
  sso_.login_url = "https://idp/login?app=st";
  EXPECT_EQ(decide(AuthMode::Required, UnauthenticatedAction::Redirect, facts).location,
            "https://idp/login?app=st&redirect=https%3A%2F%2Fst.example.com%2Fp");
}

TEST_F(AuthGateTest, NeverRedirectsXhrApiCallsOrPolls) {
  std::vector<std::pair<std::string, RequestFacts>> cases;
  RequestFacts xhr = navigation();
  xhr.x_requested_with = true;
  cases.emplace_back("X-Requested-With", xhr);
  RequestFacts json = navigation();
  json.accept = "application/json";
  cases.emplace_back("Accept JSON", json);
  RequestFacts any = navigation();
  any.accept = "*/*";
  cases.emplace_back("Accept */*", any);
  RequestFacts post = navigation();
  post.method = "POST";
  cases.emplace_back("POST", post);
  RequestFacts cors = navigation();
  cors.sec_fetch_mode = "cors";
  cases.emplace_back("Sec-Fetch-Mode cors", cors);
  RequestFacts poll = navigation();
  poll.target = "/stwebapi/RTCServlet/abc123/events?format=json";
  cases.emplace_back("long poll", poll);
  RequestFacts bad_host = navigation();
  bad_host.host = "evil.example.com/@x";
  cases.emplace_back("unusable host", bad_host);
  for (const auto& [name, facts] : cases) {
    SCOPED_TRACE(name);
    auto d = decide(AuthMode::Required, UnauthenticatedAction::Redirect, facts);
    EXPECT_EQ(d.kind, Kind::Reject);
    EXPECT_EQ(d.reason, "missing");
    EXPECT_TRUE(d.location.empty());
  }
  sso_.login_url.clear(); // a redirect route without a login URL still answers 401
  EXPECT_EQ(decide(AuthMode::Required, UnauthenticatedAction::Redirect, navigation()).kind,
            Kind::Reject);
}

TEST_F(AuthGateTest, ValidTokenIsForwardedOnRedirectRoutesToo) {
  auto d = decide(AuthMode::Required, UnauthenticatedAction::Redirect,
                  navigation("LtpaToken2=" + token(0, "alice")));
  EXPECT_EQ(d.kind, Kind::Forward);
  ASSERT_TRUE(d.identity.has_value());
}

TEST(AuthGateBodyTest, UnauthenticatedBodyIsTheDocumentedJson) {
  EXPECT_EQ(unauthenticated_body("expired"), R"({"error":"unauthenticated","reason":"expired"})");
}

} // namespace
} // namespace stgw::policy
