#include "ssoauth/user_data.h"

#include <gtest/gtest.h>

#include "ssoauth/utf8.h"

namespace stgw::ssoauth {
namespace {

TEST(UserDataTest, EscapesTheFiveDelimitersAndUnescapesLikeIbm) {
  EXPECT_EQ(escape_ltpa_value("a%b$c:d|e\\f"), "a\\%b\\$c\\:d\\|e\\\\f");
  EXPECT_EQ(unescape_ltpa_value("a\\%b\\$c\\:d\\|e\\\\f"), "a%b$c:d|e\\f");
  EXPECT_EQ(unescape_ltpa_value("cn=Doe\\, John\\"), "cn=Doe\\, John\\"); // other backslashes stay
}

TEST(UserDataTest, ParsesAttributesAndMultiValues) {
  auto attrs = parse_user_data("expire:1$groups:a|b\\\\|c$u:user\\:R\\:1/x|y");
  ASSERT_TRUE(attrs.has_value());
  ASSERT_EQ(attrs->size(), 3u);
  EXPECT_EQ(*find_attribute(*attrs, "groups"), (std::vector<std::string>{"a", "b\\", "c"}));
  // "u" is unescaped whole: a '|' in an access id is part of the name.
  EXPECT_EQ(find_attribute(*attrs, "u")->front(), "user:R:1/x|y");
}

TEST(UserDataTest, SplitsAtDollarAfterAnEscapedBackslash) {
  // IBM mis-splits "…\\$next" (SPEC §5.3); a robust parser counts the backslashes.
  auto attrs = parse_user_data("a:x\\\\$u:user\\:R/n");
  ASSERT_TRUE(attrs.has_value());
  EXPECT_EQ(find_attribute(*attrs, "a")->front(), "x\\");
}

TEST(UserDataTest, RefusesBodiesIbmCannotVerify) {
  EXPECT_FALSE(parse_user_data(""));
  EXPECT_FALSE(parse_user_data("expire:1"));                  // no u
  EXPECT_FALSE(parse_user_data("u:user\\:R/a$u:user\\:R/b")); // two u
  EXPECT_FALSE(parse_user_data("note:a\\|b$u:user\\:R/a"));   // escaped pipe outside u
  EXPECT_FALSE(parse_user_data("note:a||b$u:user\\:R/a"));    // empty item
  EXPECT_FALSE(parse_user_data("note:$u:user\\:R/a"));        // empty value
  EXPECT_FALSE(parse_user_data(":v$u:user\\:R/a"));           // empty name
  EXPECT_FALSE(parse_user_data("novalue$u:user\\:R/a"));      // no ':'
  EXPECT_FALSE(parse_user_data("u:user:R/a"));                // raw ':' in a value
  EXPECT_FALSE(parse_user_data("n\\x:v$u:user\\:R/a"));       // backslash in a name
}

TEST(UserDataTest, RepeatedNameKeepsTheLastLikeIbm) {
  auto attrs = parse_user_data("expire:1$expire:2$u:user\\:R/a");
  ASSERT_TRUE(attrs.has_value());
  EXPECT_EQ(*find_attribute(*attrs, "expire"), std::vector<std::string>{"2"});
  EXPECT_EQ(serialize_user_data(*attrs), "expire:2$u:user\\:R/a");
}

TEST(UserDataTest, SerializesSortedByJavaStringOrder) {
  AttributeList attrs = {{"u", {"user:R/a:b"}},
                         {"type", {"SSO"}},
                         {"expire", {"1"}},
                         {"Zeta", {"z"}},
                         {"host", {"h"}}};
  EXPECT_EQ(serialize_user_data(attrs), "Zeta:z$expire:1$host:h$type:SSO$u:user\\:R/a\\:b");
}

TEST(UserDataTest, Utf16OrderPutsSupplementaryCharactersBeforeHighBmp) {
  // U+1F600 is D83D DE00 in UTF-16 and sorts before U+FF21 there, unlike in UTF-8 byte order.
  EXPECT_LT(compare_utf16("\xF0\x9F\x98\x80", "\xEF\xBC\xA1"), 0);
  EXPECT_GT(compare_utf16("b", "a"), 0);
  EXPECT_LT(compare_utf16("a", "ab"), 0);
  EXPECT_EQ(compare_utf16("\xC3\xA9", "\xC3\xA9"), 0);
}

TEST(UserDataTest, SplitsAccessIdAtTheFirstSlashAfterTheRealm) {
  auto id = split_access_id("user:ldap.example.com:389/uid=a/b,o=x");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->realm, "ldap.example.com:389");
  EXPECT_EQ(id->name, "uid=a/b,o=x");
  EXPECT_FALSE(split_access_id("group:R/a"));
  EXPECT_FALSE(split_access_id("user:/a"));
  EXPECT_FALSE(split_access_id("user:R/"));
  EXPECT_FALSE(split_access_id("user:R"));
  EXPECT_EQ(make_access_id("R", "n"), "user:R/n");
}

TEST(UserDataTest, Utf8ValidationIsStrict) {
  EXPECT_TRUE(is_valid_utf8("plain \xC3\xB6 \xE5\xB1\xB1 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));         // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));     // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80")); // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE5\xB1"));         // truncated
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

} // namespace
} // namespace stgw::ssoauth
