#include "ssoauth/domino_token.h"

#include <gtest/gtest.h>

#include "ssoauth/codec.h"
#include "ssoauth/mint.h"
#include "ssoauth/validator.h"
#include "test/ssoauth/test_support.h"

namespace stgw::ssoauth {
namespace {

using testing::at_unix_seconds;
using testing::domino_secret;

constexpr std::int64_t kCreated = 1'700'000'000;
constexpr std::int64_t kExpires = 1'700'005'400;
const TimePoint kDuring = at_unix_seconds(kCreated + 100);

Validator validator_with(std::vector<DominoSecret> secrets, ValidatorOptions options = {}) {
  return Validator(options, {}, std::move(secrets));
}

std::string mint(std::uint8_t secret, std::string_view name) {
  auto token = mint_domino(domino_secret(secret), name, at_unix_seconds(kCreated),
                           at_unix_seconds(kExpires));
  EXPECT_TRUE(token.has_value());
  return token.value_or("");
}

// header, times and name bytes exactly as given, then the digest.
std::string craft(std::uint8_t secret, std::string_view times, std::string_view name_bytes) {
  return domino::seal(domino_secret(secret), std::string("\x00\x01\x02\x03", 4) +
                                                 std::string(times) + std::string(name_bytes));
}

TEST(DominoTokenTest, MintedTokensRoundTripNamesAsDominoWritesThem) {
  Validator validator = validator_with({domino_secret(1)});
  for (std::string name :
       {"CN=John Doe/O=Acme", "John Doe/Acme", "CN=J\xC3\xB6rg M\xC3\xBCller/O=Acme",
        "CN=\xC5\x81ukasz \xC5\xBB\xC3\xB3\xC5\x82w/O=Acme",
        "CN=\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD/O=x", "CN=\xE5\xB1\xB1\xE7\x94\xB0/O=x",
        "CN=a:b$c%d\\e|f/O=x"}) {
    SCOPED_TRACE(name);
    auto id = validator.verify_token(TokenFormat::Domino, mint(1, name), kDuring);
    ASSERT_TRUE(id.has_value()) << to_string(id.error());
    EXPECT_EQ(id->user, name);
    EXPECT_EQ(id->realm, "");
    EXPECT_EQ(id->access_id, "");
    EXPECT_EQ(id->expires_unix_ms, kExpires * 1000);
    EXPECT_EQ(id->format, TokenFormat::Domino);
  }
}

TEST(DominoTokenTest, MintWritesUpperCaseHexAndLmbcs) {
  std::string raw = *base64_decode_strict(mint(1, "CN=J\xC3\xB6rg"));
  EXPECT_EQ(raw.substr(4, 16), "6553F1006554061"
                               "8");
  EXPECT_EQ(testing::to_hex(raw.substr(20, raw.size() - 40)), "434e3d4a947267");
}

TEST(DominoTokenTest, AcceptsLowerCaseHexAndOtherEncodersBytes) {
  Validator validator = validator_with({domino_secret(1)});
  auto id = validator.verify_token(
      TokenFormat::Domino, craft(1, "6553f10065540618", std::string("CN=J\x06\x94rg", 8)), kDuring);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->user, "CN=J\xC3\xB6rg"); // npm ltpa 2.x group-06 ö decodes to the same name
}

TEST(DominoTokenTest, CreationAndExpiryAreEnforcedWithSkew) {
  std::string token = mint(1, "CN=A/O=B");
  Validator exact = validator_with({domino_secret(1)});
  EXPECT_TRUE(exact.verify_token(TokenFormat::Domino, token, at_unix_seconds(kCreated)));
  EXPECT_TRUE(exact.verify_token(TokenFormat::Domino, token, at_unix_seconds(kExpires)));
  EXPECT_EQ(exact.verify_token(TokenFormat::Domino, token, at_unix_seconds(kExpires + 1)).error(),
            AuthFailure::Expired);
  auto early = exact.check_token(TokenFormat::Domino, token, at_unix_seconds(kCreated - 1));
  EXPECT_EQ(early.failure, AuthFailure::NotYetValid);
  EXPECT_EQ(early.verdict(), Verdict::Invalid);
  ValidatorOptions skewed;
  skewed.clock_skew = std::chrono::seconds(60);
  Validator lenient = validator_with({domino_secret(1)}, skewed);
  EXPECT_TRUE(lenient.verify_token(TokenFormat::Domino, token, at_unix_seconds(kCreated - 60)));
  EXPECT_TRUE(lenient.verify_token(TokenFormat::Domino, token, at_unix_seconds(kExpires + 60)));
  EXPECT_EQ(
      lenient.verify_token(TokenFormat::Domino, token, at_unix_seconds(kCreated - 61)).error(),
      AuthFailure::NotYetValid);
}

TEST(DominoTokenTest, DigestIsCheckedAgainstEverySecret) {
  Validator rotated = validator_with({domino_secret(7), domino_secret(1)});
  EXPECT_TRUE(rotated.verify_token(TokenFormat::Domino, mint(1, "CN=A/O=B"), kDuring));
  EXPECT_EQ(rotated.verify_token(TokenFormat::Domino, mint(9, "CN=A/O=B"), kDuring).error(),
            AuthFailure::BadSignature);
  std::string raw = *base64_decode_strict(mint(1, "CN=A/O=B"));
  for (std::size_t pos : {std::size_t{5}, std::size_t{13}, std::size_t{21}, raw.size() - 1}) {
    std::string changed = raw;
    changed[pos] = static_cast<char>(changed[pos] ^ 0x01);
    EXPECT_EQ(rotated.verify_token(TokenFormat::Domino, base64_encode(changed), kDuring).error(),
              AuthFailure::BadSignature)
        << pos;
  }
}

TEST(DominoTokenTest, RefusesMalformedTokensEvenWithAGoodDigest) {
  Validator validator = validator_with({domino_secret(1)});
  EXPECT_EQ(validator.verify_token(TokenFormat::Domino, craft(1, "6553F10065540618", ""), kDuring)
                .error(),
            AuthFailure::Malformed); // empty name
  EXPECT_EQ(
      validator.verify_token(TokenFormat::Domino, craft(1, "6553F1006554061G", "CN=A"), kDuring)
          .error(),
      AuthFailure::Malformed); // not hex
  EXPECT_EQ(
      validator.verify_token(TokenFormat::Domino, craft(1, "6553F10065540618", "CN=A\nX"), kDuring)
          .error(),
      AuthFailure::Malformed); // control character
  EXPECT_EQ(
      validator.verify_token(TokenFormat::Domino, craft(1, "6553F10065540618", "\x10"), kDuring)
          .error(),
      AuthFailure::Malformed); // not LMBCS
  std::string bad_magic = *base64_decode_strict(mint(1, "CN=A"));
  bad_magic[0] = 1;
  EXPECT_EQ(validator.verify_token(TokenFormat::Domino, base64_encode(bad_magic), kDuring).error(),
            AuthFailure::Malformed);
}

TEST(DominoTokenTest, MintingRefusesBadNamesAndTimes) {
  EXPECT_EQ(mint_domino(domino_secret(1), "", at_unix_seconds(1), at_unix_seconds(2)).error(),
            MintError::InvalidUser);
  EXPECT_EQ(mint_domino(domino_secret(1), "a\rb", at_unix_seconds(1), at_unix_seconds(2)).error(),
            MintError::InvalidUser);
  EXPECT_EQ(
      mint_domino(domino_secret(1), "CN=A", at_unix_seconds(1), at_unix_seconds(0x100000000LL))
          .error(),
      MintError::InvalidTime);
}

} // namespace
} // namespace stgw::ssoauth
