#include "ssoauth/lmbcs.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "test/ssoauth/test_support.h"

namespace stgw::ssoauth {
namespace {

using testing::to_hex;

// The byte examples of SPEC §3.3 (ICU LMBCS-1, as Domino writes them).
TEST(LmbcsTest, EncodesTheSpecExamples) {
  EXPECT_EQ(to_hex(*utf8_to_lmbcs("\xC3\xB6")), "94");         // ö, CP850 without prefix
  EXPECT_EQ(to_hex(*utf8_to_lmbcs("\xC5\x81")), "069d");       // Ł, group 06
  EXPECT_EQ(to_hex(*utf8_to_lmbcs("\xCE\xA9")), "02d5");       // Ω, group 02
  EXPECT_EQ(to_hex(*utf8_to_lmbcs("\xE5\xB1\xB1")), "108e52"); // 山, group 10
  EXPECT_EQ(to_hex(*utf8_to_lmbcs("CN=a:$%\\|")), to_hex("CN=a:$%\\|"));
}

TEST(LmbcsTest, DecodesOtherEncodersGroupChoices) {
  // npm ltpa 2.x writes ö as 06 94 (its CP852 group); it must still read as ö.
  EXPECT_EQ(*lmbcs_to_utf8(std::string("\x06\x94", 2)), "\xC3\xB6");
  EXPECT_EQ(*lmbcs_to_utf8(std::string("\x94", 1)), "\xC3\xB6");
  EXPECT_EQ(*lmbcs_to_utf8("\x10\x8e\x52"), "\xE5\xB1\xB1");
}

TEST(LmbcsTest, RoundTripsAnyUnicode) {
  std::string text =
      "CN=J\xC3\xB6rg \xCE\xA9 \xD0\x98 \xE5\xB1\xB1 \xE2\x82\xAC \xF0\x9F\x98\x80/O=Acme";
  auto encoded = utf8_to_lmbcs(text);
  ASSERT_TRUE(encoded.has_value());
  EXPECT_EQ(*lmbcs_to_utf8(*encoded), text);
}

TEST(LmbcsTest, RefusesInvalidInput) {
  EXPECT_FALSE(utf8_to_lmbcs("\xFF"));
  EXPECT_FALSE(lmbcs_to_utf8(std::string("\x10", 1))); // a group byte without its character
}

TEST(LmbcsTest, WorksFromSeveralThreads) {
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&ok, t] {
      for (int i = 0; i < 200; ++i)
        ok[static_cast<std::size_t>(t)] += lmbcs_to_utf8("\x10\x8e\x52") == "\xE5\xB1\xB1";
    });
  for (auto& th : threads)
    th.join();
  for (int n : ok)
    EXPECT_EQ(n, 200);
}

} // namespace
} // namespace stgw::ssoauth
