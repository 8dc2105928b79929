#include "ssoauth/ltpa_keys.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>

#include "ssoauth/codec.h"
#include "ssoauth/crypto.h"
#include "ssoauth/domino_secret.h"
#include "ssoauth/properties.h"
#include "test/ssoauth/test_support.h"

namespace stgw::ssoauth {
namespace {

using testing::generated_keys;
using testing::generated_keys_password;
using testing::generated_keys_text;

// Replaces (or, with an empty value, removes) the line of |key| in a key file.
std::string with_property(const std::string& text, const std::string& key,
                          const std::string& value) {
  std::string out;
  std::size_t start = 0;
  bool replaced = false;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    std::string line = text.substr(start, end - start);
    if (line.starts_with(key + "=")) {
      if (!value.empty())
        out += key + "=" + value + "\n";
      replaced = true;
    } else {
      out += line + "\n";
    }
    start = end == std::string::npos ? text.size() : end + 1;
  }
  if (!replaced && !value.empty())
    out += key + "=" + value + "\n";
  return out;
}

std::string property(const std::string& text, const std::string& key) {
  return *Properties::parse(text)->find(key);
}

std::array<std::uint8_t, 24> kek_for(const std::string& password) {
  auto digest = *crypto::sha1(password);
  std::array<std::uint8_t, 24> kek{};
  std::copy(digest.begin(), digest.end(), kek.begin());
  return kek;
}

std::string unwrap(const std::string& text, const std::string& key, const std::string& password) {
  return *crypto::des3_ecb_decrypt(kek_for(password), *base64_decode_strict(property(text, key)));
}

std::string wrap(const std::string& plain, const std::string& password) {
  return escape_property_value(base64_encode(*crypto::des3_ecb_encrypt(kek_for(password), plain)));
}

constexpr const char* kPrivateKey = "com.ibm.websphere.ltpa.PrivateKey";

TEST(LtpaKeysTest, GeneratedFileParsesWithEveryPart) {
  const LtpaKeySet& keys = generated_keys(0);
  EXPECT_EQ(keys.realm, "TestRealm0");
  EXPECT_EQ(keys.version, "1.0");
  EXPECT_EQ(keys.key_bits(), 1024);
  EXPECT_TRUE(keys.private_key.has_value());
  EXPECT_EQ(keys.public_key_blob.size(), 132u);
  EXPECT_EQ(keys.public_key_sha256_hex().size(), 64u);
  EXPECT_NE(keys.public_key_sha256_hex(), generated_keys(1).public_key_sha256_hex());
  // The layout IBM writes: a 265/266-byte private blob, p > q, the shared key 24 bytes.
  std::string blob = unwrap(generated_keys_text(0), kPrivateKey, generated_keys_password(0));
  EXPECT_TRUE(blob.size() == 265 || blob.size() == 266 || blob.size() == 264) << blob.size();
  std::string shared =
      unwrap(generated_keys_text(0), "com.ibm.websphere.ltpa.3DESKey", generated_keys_password(0));
  EXPECT_EQ(shared.size(), 24u);
  std::string_view tail(blob);
  tail = tail.substr(tail.size() - 130);
  EXPECT_GT(tail.substr(0, 65), tail.substr(65));
}

TEST(LtpaKeysTest, CopiesShareTheKeyObjects) {
  LtpaKeySet copy = generated_keys(0);
  EXPECT_EQ(copy.public_key.get(), generated_keys(0).public_key.get());
  EXPECT_EQ(copy.public_key_sha256_hex(), generated_keys(0).public_key_sha256_hex());
}

TEST(LtpaKeysTest, WrongPasswordIsRefusedWithTheExactMessage) {
  auto keys = parse_ltpa_keys(generated_keys_text(0), "wrong");
  ASSERT_FALSE(keys.has_value());
  EXPECT_EQ(keys.error(), KeyError::WrongPassword);
  EXPECT_EQ(describe(keys.error()), "cannot decrypt ltpa.keys: wrong password or damaged file");
}

TEST(LtpaKeysTest, AcceptsTheLegacyPrivateBlobWithoutD) {
  std::string text = generated_keys_text(1);
  std::string pw = generated_keys_password(1);
  std::string blob = unwrap(text, kPrivateKey, pw);
  std::string legacy = blob.substr(blob.size() - 133);
  auto keys = parse_ltpa_keys(with_property(text, kPrivateKey, wrap(legacy, pw)), pw);
  ASSERT_TRUE(keys.has_value()) << describe(keys.error());
  EXPECT_TRUE(keys->private_key.has_value());
}

TEST(LtpaKeysTest, PrivateKeyOfAnotherFileIsAMismatch) {
  std::string foreign = unwrap(generated_keys_text(1), kPrivateKey, generated_keys_password(1));
  std::string pw = generated_keys_password(0);
  auto keys =
      parse_ltpa_keys(with_property(generated_keys_text(0), kPrivateKey, wrap(foreign, pw)), pw);
  ASSERT_FALSE(keys.has_value());
  EXPECT_EQ(keys.error(), KeyError::KeyMismatch);
}

TEST(LtpaKeysTest, DamagedPrivateBlobIsWrongPasswordOrDamaged) {
  std::string pw = generated_keys_password(0);
  std::string blob = unwrap(generated_keys_text(0), kPrivateKey, pw);
  blob[3] = static_cast<char>(blob[3] + 1); // dLen no longer matches the length
  auto keys =
      parse_ltpa_keys(with_property(generated_keys_text(0), kPrivateKey, wrap(blob, pw)), pw);
  ASSERT_FALSE(keys.has_value());
  EXPECT_EQ(keys.error(), KeyError::WrongPassword);
}

TEST(LtpaKeysTest, PrivateKeyIsOptional) {
  auto keys = parse_ltpa_keys(with_property(generated_keys_text(0), kPrivateKey, ""),
                              generated_keys_password(0));
  ASSERT_TRUE(keys.has_value());
  EXPECT_FALSE(keys->private_key.has_value());
}

TEST(LtpaKeysTest, HandlesContinuationLinesAndAnyKeyOrder) {
  std::string text = generated_keys_text(2);
  std::string pub = property(text, "com.ibm.websphere.ltpa.PublicKey");
  std::string split =
      pub.substr(0, 50) + "\\\n      " + pub.substr(50, 60) + "\\\r\n\t" + pub.substr(110);
  text = with_property(text, "com.ibm.websphere.ltpa.PublicKey", "");
  text = "com.ibm.websphere.ltpa.PublicKey = " + split + "\n" + text;
  auto keys = parse_ltpa_keys(text, generated_keys_password(2));
  ASSERT_TRUE(keys.has_value()) << describe(keys.error());
  EXPECT_EQ(keys->public_key_blob, generated_keys(2).public_key_blob);
}

TEST(LtpaKeysTest, RefusesUnsupportedOrIncompleteFiles) {
  std::string text = generated_keys_text(0);
  std::string pw = generated_keys_password(0);
  EXPECT_EQ(
      parse_ltpa_keys(with_property(text, "com.ibm.websphere.ltpa.version", "2.0"), pw).error(),
      KeyError::UnsupportedVersion);
  std::string fips = with_property(text, "com.ibm.websphere.ltpa.3DESKey", "");
  EXPECT_EQ(
      parse_ltpa_keys(with_property(fips, "com.ibm.websphere.ltpa.SharedKey", "abcd"), pw).error(),
      KeyError::UnsupportedVersion);
  EXPECT_EQ(parse_ltpa_keys(fips, pw).error(), KeyError::MissingProperty);
  EXPECT_EQ(
      parse_ltpa_keys(with_property(text, "com.ibm.websphere.ltpa.PublicKey", ""), pw).error(),
      KeyError::MissingProperty);
  EXPECT_EQ(
      parse_ltpa_keys(with_property(text, "com.ibm.websphere.ltpa.3DESKey", "not base64!"), pw)
          .error(),
      KeyError::Syntax);
  EXPECT_EQ(parse_ltpa_keys("k=\\uZZZZ", pw).error(), KeyError::Syntax);
  EXPECT_EQ(parse_ltpa_keys("", pw).error(), KeyError::MissingProperty);
}

TEST(LtpaKeysTest, RefusesPublicKeysThatAreNotRsa1024WithE65537) {
  std::string text = generated_keys_text(0);
  std::string pw = generated_keys_password(0);
  std::string blob = generated_keys(0).public_key_blob;
  std::string e3 = blob;
  e3[131] = 3;
  std::string short_blob = blob.substr(0, 131);
  std::string small_n = blob;
  small_n[1] = 0x01;
  for (const std::string& bad : {e3, short_blob, small_n}) {
    auto keys = parse_ltpa_keys(
        with_property(text, "com.ibm.websphere.ltpa.PublicKey", base64_encode(bad)), pw);
    ASSERT_FALSE(keys.has_value());
    EXPECT_EQ(keys.error(), KeyError::BadPublicKey);
  }
}

TEST(LtpaKeysTest, GenerationRefusesBadArguments) {
  EXPECT_EQ(generate_ltpa_keys_file("", "R").error(), KeyError::EmptyPassword);
  EXPECT_EQ(generate_ltpa_keys_file("pw", "").error(), KeyError::InvalidRealm);
  EXPECT_EQ(generate_ltpa_keys_file("pw", "a/b").error(), KeyError::InvalidRealm);
  EXPECT_EQ(generate_ltpa_keys_file("pw", "a\nb").error(), KeyError::InvalidRealm);
}

TEST(LtpaKeysTest, NonAsciiPasswordAndRealmRoundTrip) {
  std::string pw = "p\xC3\xA4ss w\xC3\xB6rd";
  auto text = generate_ltpa_keys_file(pw, "r\xC3\xA9"
                                          "alm:389");
  ASSERT_TRUE(text.has_value());
  auto keys = parse_ltpa_keys(*text, pw);
  ASSERT_TRUE(keys.has_value()) << describe(keys.error());
  EXPECT_EQ(keys->realm, "r\xC3\xA9"
                         "alm:389");
  EXPECT_FALSE(parse_ltpa_keys(*text, "pass word").has_value());
}

TEST(LtpaKeysTest, FilesAndPasswordFiles) {
  testing::TempDir dir;
  EXPECT_EQ(load_ltpa_keys_file((dir.path() / "missing").string(), "x").error(),
            KeyError::FileUnreadable);
  std::string path = dir.write("ltpa.keys", generated_keys_text(0));
  auto keys = load_ltpa_keys_file(path, generated_keys_password(0));
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(keys->public_key_blob, generated_keys(0).public_key_blob);

  EXPECT_EQ(*read_password_file(dir.write("pw1", "secret\nsecond line\n")), "secret");
  EXPECT_EQ(*read_password_file(dir.write("pw2", "secret\r\n")), "secret");
  EXPECT_EQ(*read_password_file(dir.write("pw3", "with spaces ")), "with spaces ");
  EXPECT_EQ(read_password_file(dir.write("pw4", "\nsecret")).error(), KeyError::EmptyPassword);
  EXPECT_EQ(read_password_file((dir.path() / "none").string()).error(), KeyError::FileUnreadable);
  EXPECT_EQ(read_password_file(dir.path().string()).error(), KeyError::FileUnreadable); // a folder
  EXPECT_EQ(read_password_file(dir.write("big", std::string(2 << 20, 'x'))).error(),
            KeyError::FileTooLarge);
}

TEST(DominoSecretTest, ParsesTheBase64SecretOnly) {
  auto secret = parse_domino_secret("  AAECAwQFBgcICQoLDA0ODxAREhM=\n");
  ASSERT_TRUE(secret.has_value());
  EXPECT_EQ(secret->bytes[0], 0);
  EXPECT_EQ(secret->bytes[19], 0x13);
  EXPECT_EQ(parse_domino_secret("AAECAwQFBgcICQoLDA0ODxAREg==").error(),
            KeyError::BadDominoSecret); // 19 bytes
  EXPECT_EQ(parse_domino_secret("AAECAwQFBgcICQoLDA0ODxAREhM").error(),
            KeyError::BadDominoSecret); // unpadded
  EXPECT_EQ(parse_domino_secret("").error(), KeyError::BadDominoSecret);
  testing::TempDir dir;
  EXPECT_TRUE(
      load_domino_secret_file(dir.write("s", "/+7dzLuqmYh3ZlVEMyIRAP7cupg=\n")).has_value());
  EXPECT_EQ(load_domino_secret_file((dir.path() / "none").string()).error(),
            KeyError::FileUnreadable);
}

TEST(LtpaKeysTest, EveryErrorHasADescription) {
  for (int e = 0; e <= static_cast<int>(KeyError::CryptoFailure); ++e)
    EXPECT_FALSE(describe(static_cast<KeyError>(e)).empty());
}

} // namespace
} // namespace stgw::ssoauth
