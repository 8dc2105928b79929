// Every vector in ../shared/ltpa/vectors/ must get its gateway_verdict (and, when valid, its
// user, realm and expiry) from the library, both through check_token and through the Cookie
// header path. The files are read at test time; whatever entries they hold are checked.

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "ssoauth/validator.h"
#include "test/ssoauth/test_support.h"

namespace stgw::ssoauth {
namespace {

using nlohmann::json;
using testing::at_unix_seconds;
using testing::load_vector_file;

std::string string_or_empty(const json& v) {
  return v.is_string() ? v.get<std::string>() : std::string();
}

// The expiry a valid vector must report, in ms, from whichever field its file records.
std::optional<std::int64_t> expected_expiry_ms(const json& vector) {
  if (vector.contains("oracle_result")) {
    const json& r = vector["oracle_result"];
    if (r.contains("expiration_ms") && r["expiration_ms"].is_number())
      return r["expiration_ms"].get<std::int64_t>();
    if (r.contains("expiration_unix") && r["expiration_unix"].is_number())
      return r["expiration_unix"].get<std::int64_t>() * 1000;
  }
  if (vector.contains("fields") && vector["fields"].contains("expiration_unix"))
    return vector["fields"]["expiration_unix"].get<std::int64_t>() * 1000;
  return std::nullopt;
}

void expect_identity(const json& vector, const Identity& id) {
  EXPECT_EQ(id.user, vector["gateway_user"].get<std::string>());
  EXPECT_EQ(id.realm, string_or_empty(vector["gateway_realm"]));
  // v1-tampered-expiry-unsigned moves the unsigned expiry, so its oracle expiry is not the token's.
  if (auto expiry = expected_expiry_ms(vector);
      expiry && vector["id"] != "v1-tampered-expiry-unsigned") {
    EXPECT_EQ(id.expires_unix_ms, *expiry);
  }
}

// Checks one vector both ways with a validator built from |key_sets| / |secrets|.
void check_vector(const json& vector, TokenFormat format, std::vector<TrustedKeySet> key_sets,
                  std::vector<DominoSecret> secrets) {
  SCOPED_TRACE(vector["id"].get<std::string>());
  ValidatorOptions options;
  if (vector.contains("expiration_difference_allowed_ms"))
    options.expiry_diff_tolerance =
        std::chrono::milliseconds(vector["expiration_difference_allowed_ms"].get<int>());
  Validator validator(options, std::move(key_sets), std::move(secrets));
  TimePoint now = at_unix_seconds(vector["now_unix"].get<std::int64_t>());
  std::string expected = vector["gateway_verdict"];
  std::string token = vector["token"];

  TokenCheck check = validator.check_token(format, token, now);
  EXPECT_EQ(to_string(check.verdict()), expected)
      << "reason " << (check.failure ? to_string(*check.failure) : "none");
  if (expected == "valid" && check.valid()) {
    expect_identity(vector, *check.identity);
  }

  std::string header = vector["cookie_name"].get<std::string>() + "=" + token;
  std::string_view headers[] = {header};
  auto via_cookie = validator.verify_cookie_headers(headers, now, nullptr);
  std::string cookie_verdict(via_cookie ? "valid" : to_string(verdict_of(via_cookie.error())));
  EXPECT_EQ(cookie_verdict, expected);
  if (expected == "valid" && via_cookie) {
    expect_identity(vector, *via_cookie);
  }
}

LtpaKeySet key_set_from(const json& file, const std::string& name) {
  const json& k = file["key_sets"][name];
  auto keys =
      parse_ltpa_keys(k["ltpa_keys_file"].get<std::string>(), k["password"].get<std::string>());
  EXPECT_TRUE(keys.has_value()) << name;
  return keys ? std::move(*keys) : LtpaKeySet{};
}

TEST(LtpaVectorsTest, LtpaToken2VectorsGiveTheGatewayVerdict) {
  json file = load_vector_file("websphere-ltpatoken2.json");
  ASSERT_FALSE(file["vectors"].empty());
  for (const json& vector : file["vectors"])
    check_vector(vector, TokenFormat::Ltpa2, {{key_set_from(file, vector["key_set"]), ""}}, {});
}

TEST(LtpaVectorsTest, WebSphereV1VectorsGiveTheGatewayVerdict) {
  json file = load_vector_file("websphere-ltpatoken-v1.json");
  ASSERT_FALSE(file["vectors"].empty());
  for (const json& vector : file["vectors"])
    check_vector(vector, TokenFormat::Ltpa1, {{key_set_from(file, vector["key_set"]), ""}}, {});
}

TEST(LtpaVectorsTest, DominoVectorsGiveTheGatewayVerdict) {
  json file = load_vector_file("domino-ltpatoken.json");
  ASSERT_FALSE(file["vectors"].empty());
  for (const json& vector : file["vectors"]) {
    auto secret = parse_domino_secret(
        file["keys"][vector["secret_key_id"].get<std::string>()]["LTPA_DominoSecret_base64"]
            .get<std::string>());
    ASSERT_TRUE(secret.has_value());
    check_vector(vector, TokenFormat::Domino, {}, {*secret});
  }
}

// Auto-detection agrees with the explicit format on every LtpaToken2 and Domino vector (a v1
// vector holding an LtpaToken2 value is valid as LtpaToken2 by design, so v1 is not included).
TEST(LtpaVectorsTest, AutoFormatAgreesOnLtpaToken2AndDominoVectors) {
  json v2 = load_vector_file("websphere-ltpatoken2.json");
  for (const json& vector : v2["vectors"]) {
    SCOPED_TRACE(vector["id"].get<std::string>());
    ValidatorOptions options;
    options.expiry_diff_tolerance =
        std::chrono::milliseconds(vector["expiration_difference_allowed_ms"].get<int>());
    Validator validator(options, {{key_set_from(v2, vector["key_set"]), ""}}, {});
    auto check = validator.check_token(kAnyFormat, vector["token"].get<std::string>(),
                                       at_unix_seconds(vector["now_unix"].get<std::int64_t>()));
    EXPECT_EQ(to_string(check.verdict()), vector["gateway_verdict"].get<std::string>());
  }
  json domino = load_vector_file("domino-ltpatoken.json");
  for (const json& vector : domino["vectors"]) {
    SCOPED_TRACE(vector["id"].get<std::string>());
    auto secret = parse_domino_secret(
        domino["keys"][vector["secret_key_id"].get<std::string>()]["LTPA_DominoSecret_base64"]
            .get<std::string>());
    Validator validator({}, {}, {*secret});
    auto check = validator.check_token(kAnyFormat, vector["token"].get<std::string>(),
                                       at_unix_seconds(vector["now_unix"].get<std::int64_t>()));
    EXPECT_EQ(to_string(check.verdict()), vector["gateway_verdict"].get<std::string>());
  }
}

TEST(LtpaVectorsTest, KeyFilesDecryptToTheirListedParts) {
  json file = load_vector_file("ltpa-keys.json");
  ASSERT_FALSE(file["key_files"].empty());
  for (const json& entry : file["key_files"]) {
    SCOPED_TRACE(entry["id"].get<std::string>());
    const json& expected = entry["expected"];
    auto keys = parse_ltpa_keys(entry["file_text"].get<std::string>(),
                                entry["password"].get<std::string>());
    ASSERT_TRUE(keys.has_value()) << describe(keys.error());
    std::string_view shared(reinterpret_cast<const char*>(keys->shared_key.data()),
                            keys->shared_key.size());
    EXPECT_EQ(testing::to_hex(shared), expected["shared_3des_key_hex"].get<std::string>());
    EXPECT_EQ(testing::to_hex(shared.substr(0, 16)),
              expected["aes128_key_and_iv_hex"].get<std::string>());
    EXPECT_EQ(testing::to_hex(keys->public_key_blob),
              expected["public_key_blob_hex"].get<std::string>());
    EXPECT_EQ(keys->realm, expected["realm"].get<std::string>());
    EXPECT_EQ(keys->key_bits(), 1024);
    EXPECT_TRUE(keys->private_key.has_value());
  }
}

TEST(LtpaVectorsTest, WrongPasswordsAreRefusedWithTheExactMessage) {
  json file = load_vector_file("ltpa-keys.json");
  std::map<std::string, std::string> texts;
  for (const json& entry : file["key_files"])
    texts[entry["id"]] = entry["file_text"];
  ASSERT_FALSE(file["negative"].empty());
  for (const json& negative : file["negative"]) {
    SCOPED_TRACE(negative["id"].get<std::string>());
    auto keys =
        parse_ltpa_keys(texts.at(negative["file"]), negative["password"].get<std::string>());
    ASSERT_FALSE(keys.has_value());
    EXPECT_EQ(describe(keys.error()), "cannot decrypt ltpa.keys: wrong password or damaged file");
  }
  // Every key file refuses a password that is not its own.
  for (const auto& [id, text] : texts) {
    auto keys = parse_ltpa_keys(text, "not-the-password");
    ASSERT_FALSE(keys.has_value()) << id;
    EXPECT_EQ(keys.error(), KeyError::WrongPassword) << id;
  }
}

} // namespace
} // namespace stgw::ssoauth
