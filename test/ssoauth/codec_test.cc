#include "ssoauth/codec.h"

#include <gtest/gtest.h>

namespace stgw::ssoauth {
namespace {

TEST(CodecTest, Base64RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    auto decoded = base64_decode_strict(base64_encode(bytes));
    ASSERT_TRUE(decoded.has_value()) << i;
    EXPECT_EQ(*decoded, bytes);
    bytes += static_cast<char>(i * 37);
  }
}

TEST(CodecTest, Base64RefusesWhatIbmRefuses) {
  EXPECT_FALSE(base64_decode_strict("QUJD RA==")); // whitespace
  EXPECT_FALSE(base64_decode_strict("QUJDRA"));    // missing padding
  EXPECT_FALSE(base64_decode_strict("QUJDRA="));   // length not a multiple of 4
  EXPECT_FALSE(base64_decode_strict("ab-_"));      // URL-safe alphabet
  EXPECT_FALSE(base64_decode_strict("QU=DRA=="));  // '=' in the middle
  EXPECT_FALSE(base64_decode_strict("Q==="));      // three pad characters
  EXPECT_FALSE(base64_decode_strict("===="));
  EXPECT_EQ(*base64_decode_strict("QUJDRA=="), "ABCD");
  EXPECT_EQ(*base64_decode_strict(""), "");
}

TEST(CodecTest, PercentDecodeOnceAndStrict) {
  EXPECT_EQ(*percent_decode("a%2Bb%2fc%3D"), "a+b/c=");
  EXPECT_EQ(*percent_decode("%2525"), "%25"); // once, not recursively
  EXPECT_FALSE(percent_decode("%2"));
  EXPECT_FALSE(percent_decode("%zz"));
}

TEST(CodecTest, CookieValueStripsQuotesAndDecodesPercentEncoding) {
  EXPECT_EQ(*decode_cookie_value("\"QUJDRA==\""), "ABCD");
  EXPECT_EQ(*decode_cookie_value("QUJDRA%3D%3D"), "ABCD");
  EXPECT_EQ(*decode_cookie_value("QUJDRA%3d%3d"), "ABCD");
  EXPECT_FALSE(decode_cookie_value("QUJDRA%3D"));
  EXPECT_FALSE(decode_cookie_value("\"QUJDRA=="));
}

TEST(CodecTest, UrlEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(url_encode_component("https://h/p?a=b&c=d e~"),
            "https%3A%2F%2Fh%2Fp%3Fa%3Db%26c%3Dd%20e~");
  EXPECT_EQ(url_encode_component("\xC3\xB6"), "%C3%B6");
}

} // namespace
} // namespace stgw::ssoauth
