#include "ssoauth/ltpa2_token.h"

#include <gtest/gtest.h>

#include "ssoauth/codec.h"
#include "ssoauth/mint.h"
#include "ssoauth/validator.h"
#include "test/ssoauth/test_support.h"

namespace stgw::ssoauth {
namespace {

using testing::generated_keys;

constexpr std::int64_t kExpiresMs = 1'800'000'000'000;
const TimePoint kBefore = from_unix_ms(kExpiresMs - 60'000);

Validator validator_with(std::vector<int> key_indexes, ValidatorOptions options = {},
                         std::string realm = {}) {
  std::vector<TrustedKeySet> sets;
  for (int i : key_indexes)
    sets.push_back({generated_keys(i), realm});
  return Validator(options, std::move(sets), {});
}

// A token whose plaintext is exactly |body| % |outer| % signature-of-|signed_body|.
std::string craft(int key, std::string_view body, std::string_view outer,
                  std::string_view signed_body) {
  auto signature = ltpa2::sign_body(generated_keys(key), signed_body);
  std::string plain(body);
  if (!outer.empty())
    plain += "%" + std::string(outer);
  plain += "%" + base64_encode(*signature);
  return *ltpa2::seal(generated_keys(key), plain);
}

std::string mint(int key, std::string_view name, TimePoint expires = from_unix_ms(kExpiresMs),
                 const AttributeList& attrs = {}) {
  auto token = mint_ltpa2(generated_keys(key), make_access_id(generated_keys(key).realm, name),
                          attrs, expires);
  EXPECT_TRUE(token.has_value());
  return token.value_or("");
}

TEST(LtpaToken2Test, MintedTokensRoundTripWithAwkwardNames) {
  Validator validator = validator_with({0});
  for (std::string name :
       {"alice", "cn=J\xC3\xB6rg M\xC3\xBCller,o=\xC3\x9Cn\xC3\xAF,cn=\xE5\xB1\xB1\xE7\x94\xB0",
        "cn=a:b$c%d\\e|f,o=x", "trailing\\", "\\\\double\\\\", "%$:|\\", "a/b/c"}) {
    SCOPED_TRACE(name);
    auto id = validator.verify_token(TokenFormat::Ltpa2, mint(0, name), kBefore);
    ASSERT_TRUE(id.has_value()) << to_string(id.error());
    EXPECT_EQ(id->user, name);
    EXPECT_EQ(id->realm, "TestRealm0");
    EXPECT_EQ(id->access_id, "user:TestRealm0/" + name);
    EXPECT_EQ(id->expires_unix_ms, kExpiresMs);
    EXPECT_EQ(id->format, TokenFormat::Ltpa2);
  }
}

TEST(LtpaToken2Test, ExtraAttributesAndLongDnsRoundTrip) {
  Validator validator = validator_with({0});
  std::string dn;
  for (int i = 0; i < 80; ++i)
    dn += "ou=Organisational Unit " + std::to_string(i) + ",";
  dn += "o=Example";
  AttributeList attrs = {{"groups", {"g1", "g:2", "g$3"}}, {"host", {"was01"}}};
  std::string token = mint(0, dn, from_unix_ms(kExpiresMs), attrs);
  EXPECT_GT(token.size(), 2048u);
  auto id = validator.verify_token(TokenFormat::Ltpa2, token, kBefore);
  ASSERT_TRUE(id.has_value()) << to_string(id.error());
  EXPECT_EQ(id->user, dn);
}

TEST(LtpaToken2Test, SignatureIsCheckedOverIbmsReserialisedBody) {
  Validator validator = validator_with({0});
  std::string sorted = "expire:1800000000000$u:user\\:TestRealm0/alice";
  std::string unsorted = "u:user\\:TestRealm0/alice$expire:1800000000000";
  EXPECT_TRUE(validator.verify_token(TokenFormat::Ltpa2, craft(0, sorted, "1800000000000", sorted),
                                     kBefore));
  // Correctly signed over the bytes received, but not in canonical order: IBM refuses it.
  auto check = validator.check_token(TokenFormat::Ltpa2,
                                     craft(0, unsorted, "1800000000000", unsorted), kBefore);
  EXPECT_EQ(check.failure, AuthFailure::BadSignature);
  // Signed over the canonical form while sent unsorted: IBM accepts, so do we.
  EXPECT_TRUE(validator.verify_token(TokenFormat::Ltpa2,
                                     craft(0, unsorted, "1800000000000", sorted), kBefore));
}

TEST(LtpaToken2Test, EscapedPipeOutsideUIsRefused) {
  Validator validator = validator_with({0});
  std::string body = "expire:1800000000000$note:a\\|b$u:user\\:TestRealm0/alice";
  auto check =
      validator.check_token(TokenFormat::Ltpa2, craft(0, body, "1800000000000", body), kBefore);
  EXPECT_EQ(check.verdict(), Verdict::Invalid);
}

TEST(LtpaToken2Test, InnerAndOuterExpiryMustAgreeWithinTheTolerance) {
  std::string body = "expire:1800000000000$u:user\\:TestRealm0/alice";
  Validator strict = validator_with({0});
  EXPECT_TRUE(
      strict.verify_token(TokenFormat::Ltpa2, craft(0, body, "1800000003000", body), kBefore));
  EXPECT_EQ(strict.check_token(TokenFormat::Ltpa2, craft(0, body, "1800000003001", body), kBefore)
                .failure,
            AuthFailure::Malformed);
  EXPECT_EQ(strict.check_token(TokenFormat::Ltpa2, craft(0, body, "1799999996999", body), kBefore)
                .failure,
            AuthFailure::Malformed);
  ValidatorOptions off;
  off.expiry_diff_tolerance = std::chrono::milliseconds(-1);
  Validator lenient = validator_with({0}, off);
  auto id =
      lenient.verify_token(TokenFormat::Ltpa2, craft(0, body, "1900000000000", body), kBefore);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->expires_unix_ms, kExpiresMs); // the signed value, never the outer one
}

TEST(LtpaToken2Test, TwoFieldFormAndOuterOnlyExpiry) {
  Validator validator = validator_with({0});
  std::string body = "expire:1800000000000$u:user\\:TestRealm0/alice";
  EXPECT_TRUE(validator.verify_token(TokenFormat::Ltpa2, craft(0, body, "", body), kBefore));
  std::string no_inner = "u:user\\:TestRealm0/alice";
  auto id = validator.verify_token(TokenFormat::Ltpa2,
                                   craft(0, no_inner, "1800000000000", no_inner), kBefore);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->expires_unix_ms, kExpiresMs);
  // No expiry anywhere, or a non-numeric one: malformed.
  EXPECT_EQ(
      validator.check_token(TokenFormat::Ltpa2, craft(0, no_inner, "", no_inner), kBefore).failure,
      AuthFailure::Malformed);
  EXPECT_EQ(
      validator.check_token(TokenFormat::Ltpa2, craft(0, no_inner, "18e11", no_inner), kBefore)
          .failure,
      AuthFailure::Malformed);
}

TEST(LtpaToken2Test, ExpiryIsInclusiveAndSkewExtendsIt) {
  std::string token = mint(0, "alice");
  Validator exact = validator_with({0});
  EXPECT_TRUE(exact.verify_token(TokenFormat::Ltpa2, token, from_unix_ms(kExpiresMs)));
  auto late = exact.check_token(TokenFormat::Ltpa2, token, from_unix_ms(kExpiresMs + 1));
  EXPECT_EQ(late.failure, AuthFailure::Expired);
  ASSERT_TRUE(late.identity.has_value()); // authentic, so the identity is known
  EXPECT_EQ(late.identity->user, "alice");
  ValidatorOptions skewed;
  skewed.clock_skew = std::chrono::seconds(5);
  Validator lenient = validator_with({0}, skewed);
  EXPECT_TRUE(lenient.verify_token(TokenFormat::Ltpa2, token, from_unix_ms(kExpiresMs + 5000)));
  EXPECT_EQ(
      lenient.verify_token(TokenFormat::Ltpa2, token, from_unix_ms(kExpiresMs + 5001)).error(),
      AuthFailure::Expired);
}

TEST(LtpaToken2Test, RotationTriesEveryKeySetAndRefusesUnknownKeys) {
  Validator validator = validator_with({1, 0}); // new primary first, old key still trusted
  EXPECT_TRUE(validator.verify_token(TokenFormat::Ltpa2, mint(0, "old"), kBefore));
  EXPECT_TRUE(validator.verify_token(TokenFormat::Ltpa2, mint(1, "new"), kBefore));
  EXPECT_EQ(validator.verify_token(TokenFormat::Ltpa2, mint(2, "stranger"), kBefore).error(),
            AuthFailure::UnknownKey);
}

TEST(LtpaToken2Test, RealmIsCheckedWhenConfigured) {
  Validator matching = validator_with({0}, {}, "TestRealm0");
  EXPECT_TRUE(matching.verify_token(TokenFormat::Ltpa2, mint(0, "alice"), kBefore));
  Validator other = validator_with({0}, {}, "OtherRealm");
  EXPECT_EQ(other.verify_token(TokenFormat::Ltpa2, mint(0, "alice"), kBefore).error(),
            AuthFailure::RealmMismatch);
}

TEST(LtpaToken2Test, TamperingIsDetected) {
  Validator validator = validator_with({0});
  std::string token = mint(0, "alice");
  std::string raw = *base64_decode_strict(token);
  for (std::size_t pos :
       {std::size_t{0}, std::size_t{17}, raw.size() / 2, raw.size() - 17, raw.size() - 1}) {
    std::string changed = raw;
    changed[pos] = static_cast<char>(changed[pos] ^ 0x01);
    EXPECT_FALSE(validator.verify_token(TokenFormat::Ltpa2, base64_encode(changed), kBefore))
        << pos;
  }
  // One block less: the padding check fails (or, 1 time in 256, the body does).
  EXPECT_FALSE(validator.verify_token(TokenFormat::Ltpa2,
                                      base64_encode(raw.substr(0, raw.size() - 16)), kBefore));
  EXPECT_EQ(
      validator
          .verify_token(TokenFormat::Ltpa2, base64_encode(raw.substr(0, raw.size() - 1)), kBefore)
          .error(),
      AuthFailure::Malformed);
  // Encrypted with our key, signed by another key set: a foreign signature.
  std::string body = "expire:1800000000000$u:user\\:TestRealm0/alice";
  std::string foreign = "expire:1800000000000$u:user\\:TestRealm0/alice%1800000000000%" +
                        base64_encode(*ltpa2::sign_body(generated_keys(1), body));
  EXPECT_EQ(
      validator.verify_token(TokenFormat::Ltpa2, *ltpa2::seal(generated_keys(0), foreign), kBefore)
          .error(),
      AuthFailure::BadSignature);
}

TEST(LtpaToken2Test, RefusesNulAndInvalidUtf8InThePlaintext) {
  Validator validator = validator_with({0});
  std::string sig = base64_encode(*ltpa2::sign_body(generated_keys(0), "u:user\\:TestRealm0/a"));
  for (std::string body :
       {std::string("u:user\\:TestRealm0/a\0b", 22), std::string("u:user\\:TestRealm0/\xFF")}) {
    std::string token = *ltpa2::seal(generated_keys(0), body + "%1800000000000%" + sig);
    EXPECT_EQ(validator.verify_token(TokenFormat::Ltpa2, token, kBefore).error(),
              AuthFailure::Malformed);
  }
}

TEST(LtpaToken2Test, MintingRefusesWhatCannotRoundTrip) {
  const LtpaKeySet& keys = generated_keys(0);
  auto expires = from_unix_ms(kExpiresMs);
  EXPECT_EQ(mint_ltpa2(keys, "alice", {}, expires).error(), MintError::InvalidUser);
  EXPECT_EQ(mint_ltpa2(keys, "user:R/a\nb", {}, expires).error(), MintError::InvalidUser);
  EXPECT_EQ(mint_ltpa2(keys, "user:R/a", {{"u", {"x"}}}, expires).error(),
            MintError::InvalidAttribute);
  EXPECT_EQ(mint_ltpa2(keys, "user:R/a", {{"note", {"a|b"}}}, expires).error(),
            MintError::InvalidAttribute);
  EXPECT_EQ(mint_ltpa2(keys, "user:R/a", {{"n:x", {"v"}}}, expires).error(),
            MintError::InvalidAttribute);
  LtpaKeySet public_only = keys;
  public_only.private_key.reset();
  EXPECT_EQ(mint_ltpa2(public_only, "user:R/a", {}, expires).error(), MintError::NoPrivateKey);
}

} // namespace
} // namespace stgw::ssoauth
