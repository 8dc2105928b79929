#include "ssoauth/ltpa1_token.h"

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

Validator validator_with(std::vector<int> key_indexes, ValidatorOptions options = {}) {
  std::vector<TrustedKeySet> sets;
  for (int i : key_indexes)
    sets.push_back({generated_keys(i), ""});
  return Validator(options, std::move(sets), {});
}

std::string mint(int key, std::string_view name) {
  auto token = mint_ltpa1(generated_keys(key), make_access_id(generated_keys(key).realm, name), {},
                          from_unix_ms(kExpiresMs));
  EXPECT_TRUE(token.has_value());
  return token.value_or("");
}

std::string seal(int key, std::string_view user_data, std::string_view expiry,
                 std::string_view signature) {
  return *ltpa1::seal(generated_keys(key), std::string(user_data) + "%" + std::string(expiry) +
                                               "%" + base64_encode(signature));
}

TEST(LtpaToken1Test, MintedTokensRoundTripWithAwkwardNames) {
  Validator validator = validator_with({0});
  for (std::string name :
       {"uid=alice,ou=users,dc=example,dc=com", "cn=J\xC3\xB6rg M\xC3\xBCller,c=DE",
        "cn=a:b$c%d\\e|f", "cn=\xE5\xB1\xB1\xE7\x94\xB0", "end\\"}) {
    SCOPED_TRACE(name);
    auto id = validator.verify_token(TokenFormat::Ltpa1, mint(0, name), kBefore);
    ASSERT_TRUE(id.has_value()) << to_string(id.error());
    EXPECT_EQ(id->user, name);
    EXPECT_EQ(id->realm, "TestRealm0");
    EXPECT_EQ(id->expires_unix_ms, kExpiresMs);
    EXPECT_EQ(id->format, TokenFormat::Ltpa1);
  }
}

TEST(LtpaToken1Test, AcceptsBothIso9796Representatives) {
  Validator validator = validator_with({0});
  std::string user_data = "u:user\\:TestRealm0/alice";
  std::string sig = *ltpa1::sign_user_data(generated_keys(0), user_data);
  crypto::RsaPublicOp rsa(generated_keys(0).public_key);
  std::string other(sig.size(), '\0');
  ASSERT_TRUE(rsa.complement(reinterpret_cast<const std::uint8_t*>(sig.data()),
                             reinterpret_cast<std::uint8_t*>(other.data())));
  EXPECT_LT(sig, other); // the minted one is min(s, n - s)
  EXPECT_TRUE(validator.verify_token(TokenFormat::Ltpa1, seal(0, user_data, "1800000000000", sig),
                                     kBefore));
  EXPECT_TRUE(validator.verify_token(TokenFormat::Ltpa1, seal(0, user_data, "1800000000000", other),
                                     kBefore));
}

TEST(LtpaToken1Test, Iso9796RepresentativeHasTheSpecLayout) {
  crypto::Sha1Digest digest{};
  for (std::size_t i = 0; i < digest.size(); ++i)
    digest[i] = static_cast<std::uint8_t>(0x11 * (i % 16));
  std::string ir = ltpa1::iso9796_representative(digest, 1024);
  ASSERT_EQ(ir.size(), 128u);
  auto at = [&](std::size_t i) { return static_cast<unsigned char>(ir[i]); };
  EXPECT_EQ(at(0) & 0xC0, 0x40);  // top bits 01
  EXPECT_EQ(at(127) & 0x0F, 0x6); // low nibble 6
  EXPECT_EQ(at(125), digest[18]); // message bytes from the end, every other byte
  // out[126] is the shadow of out[127] = m[19] before the nibble shift: π(3)π(3) = 0x88.
  EXPECT_EQ(at(126), 0x88);
  EXPECT_TRUE(ltpa1::iso9796_representative(digest, 1025).empty());
}

TEST(LtpaToken1Test, TheExpiryIsNotSigned) {
  // SPEC §4.3: an edited expiry still verifies (vector v1-tampered-expiry-unsigned); only the
  // 3DES key protects it. The identity reports the edited value.
  Validator validator = validator_with({0});
  std::string user_data = "u:user\\:TestRealm0/alice";
  std::string sig = *ltpa1::sign_user_data(generated_keys(0), user_data);
  auto id =
      validator.verify_token(TokenFormat::Ltpa1, seal(0, user_data, "1900000000000", sig), kBefore);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->expires_unix_ms, 1'900'000'000'000);
}

TEST(LtpaToken1Test, RefusesTamperingForeignKeysAndFormatConfusion) {
  Validator validator = validator_with({0});
  std::string user_data = "u:user\\:TestRealm0/alice";
  std::string sig = *ltpa1::sign_user_data(generated_keys(0), user_data);
  EXPECT_EQ(validator
                .verify_token(TokenFormat::Ltpa1,
                              seal(0, "u:user\\:TestRealm0/mallory", "1800000000000", sig), kBefore)
                .error(),
            AuthFailure::BadSignature);
  EXPECT_EQ(validator.verify_token(TokenFormat::Ltpa1, mint(2, "alice"), kBefore).error(),
            AuthFailure::UnknownKey);
  auto v2 = mint_ltpa2(generated_keys(0), "user:TestRealm0/alice", {}, from_unix_ms(kExpiresMs));
  EXPECT_FALSE(validator.verify_token(TokenFormat::Ltpa1, *v2, kBefore));
  std::string with_nul = std::string("u:user\\:TestRealm0/a\0", 22);
  std::string nul_sig = *ltpa1::sign_user_data(generated_keys(0), with_nul);
  EXPECT_EQ(
      validator
          .verify_token(TokenFormat::Ltpa1, seal(0, with_nul, "1800000000000", nul_sig), kBefore)
          .error(),
      AuthFailure::Malformed);
  EXPECT_EQ(
      validator.verify_token(TokenFormat::Ltpa1, seal(0, user_data, "17e11", sig), kBefore).error(),
      AuthFailure::Malformed);
}

TEST(LtpaToken1Test, ExpiryBoundaryAndSkew) {
  std::string token = mint(0, "alice");
  Validator exact = validator_with({0});
  EXPECT_TRUE(exact.verify_token(TokenFormat::Ltpa1, token, from_unix_ms(kExpiresMs)));
  EXPECT_EQ(exact.verify_token(TokenFormat::Ltpa1, token, from_unix_ms(kExpiresMs + 1)).error(),
            AuthFailure::Expired);
  ValidatorOptions skewed;
  skewed.clock_skew = std::chrono::minutes(1);
  EXPECT_TRUE(validator_with({0}, skewed)
                  .verify_token(TokenFormat::Ltpa1, token, from_unix_ms(kExpiresMs + 60'000)));
}

TEST(LtpaToken1Test, RotationFindsTheOldKey) {
  Validator validator = validator_with({2, 1, 0});
  auto id = validator.verify_token(TokenFormat::Ltpa1, mint(0, "alice"), kBefore);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->realm, "TestRealm0");
}

} // namespace
} // namespace stgw::ssoauth
