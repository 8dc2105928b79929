#include "ssoauth/validator.h"

#include <gtest/gtest.h>

#include <thread>

#include "ssoauth/codec.h"
#include "ssoauth/mint.h"
#include "test/ssoauth/test_support.h"

namespace stgw::ssoauth {
namespace {

using testing::at_unix_seconds;
using testing::domino_secret;
using testing::generated_keys;

constexpr std::int64_t kExpiresMs = 1'800'000'000'000;
const TimePoint kNow = from_unix_ms(kExpiresMs - 3'600'000);

std::string v2_token(int key, std::string_view name, std::int64_t expires_ms = kExpiresMs) {
  return *mint_ltpa2(generated_keys(key), make_access_id(generated_keys(key).realm, name), {},
                     from_unix_ms(expires_ms));
}
std::string v1_token(int key, std::string_view name) {
  return *mint_ltpa1(generated_keys(key), make_access_id(generated_keys(key).realm, name), {},
                     from_unix_ms(kExpiresMs));
}
std::string domino_token(std::string_view name) {
  return *mint_domino(domino_secret(1), name, from_unix_ms(kExpiresMs - 7'200'000),
                      from_unix_ms(kExpiresMs));
}

Validator make_validator(ValidatorOptions options = {}) {
  return Validator(options, {{generated_keys(0), ""}}, {domino_secret(1)});
}

std::expected<Identity, AuthFailure> verify(const Validator& v, std::vector<std::string> headers,
                                            ValidationCache* cache = nullptr,
                                            TimePoint now = kNow) {
  std::vector<std::string_view> views(headers.begin(), headers.end());
  return v.verify_cookie_headers(views, now, cache);
}

TEST(ValidatorTest, MissingWhenNoConfiguredCookieIsPresent) {
  Validator v = make_validator();
  EXPECT_EQ(verify(v, {}).error(), AuthFailure::Missing);
  EXPECT_EQ(verify(v, {"JSESSIONID=abc; ltpatoken2=" + v2_token(0, "a")}).error(),
            AuthFailure::Missing);
  EXPECT_EQ(verify(v, {"LtpaToken2=; LtpaToken=\"\""}).error(), AuthFailure::Missing);
  EXPECT_EQ(verify(v, {"garbage without equals; ;;"}).error(), AuthFailure::Missing);
}

TEST(ValidatorTest, FindsTheTokenAmongOtherCookiesAndHeaders) {
  Validator v = make_validator();
  auto id = verify(
      v, {"JSESSIONID=0000abc:clone1", "a=b;   LtpaToken2=" + v2_token(0, "alice") + " ; c=d"});
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->user, "alice");
}

TEST(ValidatorTest, TriesEveryDuplicateCookieInOrder) {
  Validator v = make_validator();
  std::string stale = v2_token(0, "old", kExpiresMs - 7'200'000);
  std::string foreign = v2_token(2, "foreign");
  auto id = verify(v, {"LtpaToken2=" + stale + "; LtpaToken2=" + foreign,
                       "LtpaToken2=" + v2_token(0, "current")});
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->user, "current");
  // Without a good one the most telling failure wins: an authentic expired token.
  EXPECT_EQ(verify(v, {"LtpaToken2=" + foreign + "; LtpaToken2=" + stale}).error(),
            AuthFailure::Expired);
  EXPECT_EQ(verify(v, {"LtpaToken2=bm90IGEgdG9rZW4="}).error(), AuthFailure::Malformed);
}

TEST(ValidatorTest, PrefersLtpaToken2AndTellsDominoFromWebSphereV1) {
  Validator v = make_validator();
  auto both =
      verify(v, {"LtpaToken=" + v1_token(0, "v1user") + "; LtpaToken2=" + v2_token(0, "v2user")});
  ASSERT_TRUE(both.has_value());
  EXPECT_EQ(both->format, TokenFormat::Ltpa2);
  auto v1 = verify(v, {"LtpaToken=" + v1_token(0, "v1user")});
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(v1->format, TokenFormat::Ltpa1);
  auto domino = verify(v, {"LtpaToken=" + domino_token("CN=D/O=x")});
  ASSERT_TRUE(domino.has_value());
  EXPECT_EQ(domino->format, TokenFormat::Domino);
  EXPECT_EQ(domino->user, "CN=D/O=x");
  // An invalid LtpaToken2 does not hide a valid LtpaToken.
  auto fallback =
      verify(v, {"LtpaToken2=" + v2_token(2, "x") + "; LtpaToken=" + v1_token(0, "v1user")});
  ASSERT_TRUE(fallback.has_value());
  EXPECT_EQ(fallback->user, "v1user");
}

TEST(ValidatorTest, AcceptsQuotedAndPercentEncodedValues) {
  Validator v = make_validator();
  std::string token = v2_token(0, "alice");
  EXPECT_TRUE(verify(v, {"LtpaToken2=\"" + token + "\""}));
  std::string encoded;
  for (char c : token)
    encoded += c == '+' ? "%2B" : c == '/' ? "%2F" : c == '=' ? "%3D" : std::string(1, c);
  ASSERT_NE(encoded, token);
  EXPECT_TRUE(verify(v, {"LtpaToken2=" + encoded}));
  EXPECT_TRUE(v.verify_token(TokenFormat::Ltpa2, encoded, kNow));
}

TEST(ValidatorTest, HonoursCookieNamesAndAcceptedFormats) {
  ValidatorOptions options;
  options.cookie_v2 = "MyLtpa2";
  options.accept = {TokenFormat::Ltpa2};
  Validator v = make_validator(options);
  EXPECT_TRUE(verify(v, {"MyLtpa2=" + v2_token(0, "a")}));
  EXPECT_EQ(verify(v, {"LtpaToken2=" + v2_token(0, "a")}).error(), AuthFailure::Missing);
  EXPECT_EQ(verify(v, {"LtpaToken=" + v1_token(0, "a")}).error(), AuthFailure::Missing);
  EXPECT_EQ(v.verify_token(TokenFormat::Ltpa1, v1_token(0, "a"), kNow).error(),
            AuthFailure::Malformed);
}

TEST(ValidatorTest, AutoFormatFindsEachKind) {
  Validator v = make_validator();
  EXPECT_EQ(v.verify_token(kAnyFormat, v2_token(0, "a"), kNow)->format, TokenFormat::Ltpa2);
  EXPECT_EQ(v.verify_token(kAnyFormat, v1_token(0, "a"), kNow)->format, TokenFormat::Ltpa1);
  EXPECT_EQ(v.verify_token(kAnyFormat, domino_token("CN=A"), kNow)->format, TokenFormat::Domino);
  auto garbage = v.check_token(kAnyFormat, "%%%", kNow);
  EXPECT_EQ(garbage.failure, AuthFailure::Malformed);
  EXPECT_FALSE(garbage.format.has_value());
}

TEST(ValidationCacheTest, AHitDoesNoCryptography) {
  Validator v = make_validator();
  ValidationCache cache(16);
  std::string header = "LtpaToken2=" + v2_token(0, "alice");
  auto first = verify(v, {header}, &cache);
  ASSERT_TRUE(first.has_value());
  std::uint64_t crypto_after_first = v.verifications();
  EXPECT_EQ(cache.misses(), 1u);
  for (int i = 0; i < 5; ++i) {
    auto again = verify(v, {header}, &cache);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, *first);
  }
  EXPECT_EQ(cache.hits(), 5u);
  EXPECT_EQ(v.verifications(), crypto_after_first);
  // A different value misses and is verified.
  EXPECT_TRUE(verify(v, {"LtpaToken2=" + v2_token(0, "bob")}, &cache));
  EXPECT_EQ(v.verifications(), crypto_after_first + 1);
}

TEST(ValidationCacheTest, EntriesNeverOutliveTheToken) {
  Validator v = make_validator();
  ValidationCache cache;
  std::string header = "LtpaToken2=" + v2_token(0, "alice");
  ASSERT_TRUE(verify(v, {header}, &cache));
  EXPECT_TRUE(verify(v, {header}, &cache, from_unix_ms(kExpiresMs)));
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(verify(v, {header}, &cache, from_unix_ms(kExpiresMs + 1)).error(),
            AuthFailure::Expired);
  EXPECT_EQ(cache.hits(), 1u);
  // A clock that went backwards before the entry was made does not trust it either.
  std::uint64_t before = v.verifications();
  EXPECT_TRUE(verify(v, {header}, &cache, kNow - std::chrono::hours(1)));
  EXPECT_EQ(v.verifications(), before + 1);
}

TEST(ValidationCacheTest, FailuresAreNotCached) {
  Validator v = make_validator();
  ValidationCache cache;
  std::string header = "LtpaToken2=" + v2_token(2, "foreign");
  EXPECT_FALSE(verify(v, {header}, &cache));
  EXPECT_FALSE(verify(v, {header}, &cache));
  EXPECT_EQ(cache.hits(), 0u);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(ValidationCacheTest, IsBoundedAndEvictsTheOldest) {
  Validator v = make_validator();
  ValidationCache cache(2);
  std::vector<std::string> headers;
  for (std::string name : {"a", "b", "c"})
    headers.push_back("LtpaToken2=" + v2_token(0, name));
  for (const auto& h : headers)
    ASSERT_TRUE(verify(v, {h}, &cache));
  EXPECT_EQ(cache.size(), 2u);
  std::uint64_t before = v.verifications();
  ASSERT_TRUE(verify(v, {headers[2]}, &cache)); // newest: a hit
  EXPECT_EQ(v.verifications(), before);
  ASSERT_TRUE(verify(v, {headers[0]}, &cache)); // oldest: evicted
  EXPECT_EQ(v.verifications(), before + 1);
  ValidationCache disabled(0);
  ASSERT_TRUE(verify(v, {headers[0]}, &disabled));
  ASSERT_TRUE(verify(v, {headers[0]}, &disabled));
  EXPECT_EQ(disabled.hits(), 0u);
}

TEST(ValidationCacheTest, ANewValidatorDoesNotTrustTheOldCache) {
  ValidationCache cache;
  std::string header = "LtpaToken2=" + v2_token(0, "alice");
  Validator old_keys = make_validator();
  ASSERT_TRUE(verify(old_keys, {header}, &cache));
  // After a reload without key set 0 the cached identity must not answer.
  Validator new_keys({}, {{generated_keys(1), ""}}, {});
  EXPECT_EQ(verify(new_keys, {header}, &cache).error(), AuthFailure::UnknownKey);
  EXPECT_EQ(cache.hits(), 0u);
}

TEST(ValidatorTest, IsSafeFromManyThreadsWithOneCacheEach) {
  Validator v = make_validator();
  std::vector<std::string> headers = {
      "LtpaToken2=" + v2_token(0, "a"), "LtpaToken=" + v1_token(0, "b"),
      "LtpaToken=" + domino_token("CN=C"), "LtpaToken2=" + v2_token(2, "x")};
  std::vector<int> valid(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      ValidationCache cache(t % 2 == 0 ? 0 : 64);
      for (int i = 0; i < 40; ++i)
        valid[static_cast<std::size_t>(t)] +=
            verify(v, {headers[static_cast<std::size_t>(i) % 4]}, &cache) ? 1 : 0;
    });
  for (auto& th : threads)
    th.join();
  for (int n : valid)
    EXPECT_EQ(n, 30);
}

} // namespace
} // namespace stgw::ssoauth
