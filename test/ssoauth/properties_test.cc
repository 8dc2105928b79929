#include "ssoauth/properties.h"

#include <gtest/gtest.h>

namespace stgw::ssoauth {
namespace {

TEST(PropertiesTest, ParsesJavaEscapesSeparatorsAndComments) {
  auto props = Properties::parse("#comment\n"
                                 "! another\n"
                                 "  a=1\n"
                                 "b : two words \n"
                                 "c three\n"
                                 "d=x\\=y\\:z\\\\w\n"
                                 "e\\:key=v\n"
                                 "f=\\u00e9\\t\n"
                                 "a=override\n");
  ASSERT_TRUE(props.has_value());
  EXPECT_EQ(*props->find("a"), "override");
  EXPECT_EQ(*props->find("b"), "two words ");
  EXPECT_EQ(*props->find("c"), "three");
  EXPECT_EQ(*props->find("d"), "x=y:z\\w");
  EXPECT_EQ(*props->find("e:key"), "v");
  EXPECT_EQ(*props->find("f"), "\xC3\xA9\t");
  EXPECT_EQ(props->find("#comment"), nullptr);
}

TEST(PropertiesTest, JoinsContinuationLinesAndConvertsLatin1) {
  auto props = Properties::parse("k=abc\\\n     def\\\r\n  ghi\r\nl=\xE9\\\\\nm=end\\");
  ASSERT_TRUE(props.has_value());
  EXPECT_EQ(*props->find("k"), "abcdefghi");
  EXPECT_EQ(*props->find("l"), "\xC3\xA9\\"); // an escaped backslash does not continue
  EXPECT_EQ(*props->find("m"), "end");
}

TEST(PropertiesTest, RefusesBrokenUnicodeEscapes) {
  EXPECT_FALSE(Properties::parse("k=\\u12"));
  EXPECT_FALSE(Properties::parse("k=\\uD800"));
  EXPECT_FALSE(Properties::parse("k=\\uDC00x"));
  auto pair = Properties::parse("k=\\uD83D\\uDE00");
  ASSERT_TRUE(pair.has_value());
  EXPECT_EQ(*pair->find("k"), "\xF0\x9F\x98\x80");
}

TEST(PropertiesTest, EscapedValuesReadBack) {
  std::string value = " ldap:389=#!\\ \xC3\xA9\xF0\x9F\x98\x80\n";
  std::string escaped = escape_property_value(value);
  EXPECT_EQ(escaped.find('\n'), std::string::npos);
  auto props = Properties::parse("k=" + escaped + "\n");
  ASSERT_TRUE(props.has_value());
  EXPECT_EQ(*props->find("k"), value);
  EXPECT_EQ(escape_property_value("9.3.179.80:5389"), "9.3.179.80\\:5389");
}

} // namespace
} // namespace stgw::ssoauth
