#include <gtest/gtest.h>

#include "config/loader.h"

namespace stgw::config {
namespace {

using std::chrono::milliseconds;

TEST(ParseDurationTest, ReadsEachUnit) {
  EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(parse_duration("90s"), milliseconds(90'000));
  EXPECT_EQ(parse_duration("5m"), milliseconds(300'000));
  EXPECT_EQ(parse_duration("1h"), milliseconds(3'600'000));
  EXPECT_EQ(parse_duration("0s"), milliseconds(0));
}

TEST(ParseDurationTest, AddsGroups) {
  EXPECT_EQ(parse_duration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(parse_duration("2h30m"), milliseconds(9'000'000));
  EXPECT_EQ(parse_duration("1m30s250ms"), milliseconds(90'250));
  EXPECT_EQ(parse_duration("0h0m1s"), milliseconds(1'000));
}

TEST(ParseDurationTest, AcceptsOneLeadingMinus) {
  EXPECT_EQ(parse_duration("-1s"), milliseconds(-1'000));
  EXPECT_EQ(parse_duration("-1m30s"), milliseconds(-90'000));
  EXPECT_EQ(parse_duration("--1s"), std::nullopt);
  EXPECT_EQ(parse_duration("1s-1s"), std::nullopt);
  EXPECT_EQ(parse_duration("5m-3s"), std::nullopt);
  EXPECT_EQ(parse_duration("+5s"), std::nullopt);
}

TEST(ParseDurationTest, RejectsNumbersWithoutUnit) {
  EXPECT_EQ(parse_duration("90"), std::nullopt);
  EXPECT_EQ(parse_duration("0"), std::nullopt);
  EXPECT_EQ(parse_duration("1m30"), std::nullopt);
  EXPECT_EQ(parse_duration("-5"), std::nullopt);
}

TEST(ParseDurationTest, RejectsMalformedText) {
  for (std::string_view text : {"", "-", "s", "ms", "1.5s", "1d", "1us", "5 m", " 5m", "5m ", "1H",
                                "1S", "5sec", "m5", "1s,2s", "0x10s", "1e3ms", "\xff"}) {
    EXPECT_EQ(parse_duration(text), std::nullopt) << "\"" << text << "\"";
  }
}

TEST(ParseDurationTest, RejectsOverflowInsteadOfWrapping) {
  EXPECT_EQ(parse_duration("4611686018427387904ms"), milliseconds(std::int64_t{1} << 62));
  EXPECT_EQ(parse_duration("4611686018427387905ms"), std::nullopt);
  EXPECT_EQ(parse_duration("99999999999999999999s"), std::nullopt); // beyond int64
  EXPECT_EQ(parse_duration("9999999999999999h"), std::nullopt);
  EXPECT_EQ(parse_duration("4611686018427387904ms1ms"), std::nullopt);
}

} // namespace
} // namespace stgw::config
