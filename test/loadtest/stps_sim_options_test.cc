// Unit tests for stps-sim's parsers: durations, listen addresses, flags, cookies, JSON text.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "loadtest/stps_sim/options.h"
#include "loadtest/stps_sim/text_util.h"

namespace stgw::stps_sim {
namespace {

using std::chrono::microseconds;

TEST(StpsSimDurationTest, ParsesEachUnit) {
  EXPECT_EQ(parse_duration("30s").value(), std::chrono::seconds(30));
  EXPECT_EQ(parse_duration("500ms").value(), std::chrono::milliseconds(500));
  EXPECT_EQ(parse_duration("2m").value(), std::chrono::minutes(2));
  EXPECT_EQ(parse_duration("1h").value(), std::chrono::hours(1));
  EXPECT_EQ(parse_duration("250us").value(), microseconds(250));
  EXPECT_EQ(parse_duration("0s").value(), microseconds(0));
}

TEST(StpsSimDurationTest, ParsesFractions) {
  EXPECT_EQ(parse_duration("0.2s").value(), std::chrono::milliseconds(200));
  EXPECT_EQ(parse_duration("1.5m").value(), std::chrono::seconds(90));
  EXPECT_EQ(parse_duration(".5s").value(), std::chrono::milliseconds(500));
}

TEST(StpsSimDurationTest, RejectsMissingOrUnknownUnitAndJunk) {
  for (std::string_view bad :
       {"30", "", "s", "10x", "1.s", "-1s", "1 s", "1s ", "1e3ms", "1..2s"}) {
    auto parsed = parse_duration(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error().code, OptionErrc::BadDuration) << bad;
  }
}

TEST(StpsSimDurationTest, RejectsMoreThanADay) {
  EXPECT_TRUE(parse_duration("24h").has_value());
  EXPECT_FALSE(parse_duration("25h").has_value());
  EXPECT_FALSE(parse_duration("99999999999999999999s").has_value());
}

TEST(StpsSimDurationTest, QueryHoldTakesPlainSecondsOrDuration) {
  EXPECT_EQ(parse_seconds_or_duration("0.2").value(), std::chrono::milliseconds(200));
  EXPECT_EQ(parse_seconds_or_duration("30").value(), std::chrono::seconds(30));
  EXPECT_EQ(parse_seconds_or_duration("750ms").value(), std::chrono::milliseconds(750));
  EXPECT_FALSE(parse_seconds_or_duration("abc").has_value());
  EXPECT_FALSE(parse_seconds_or_duration("").has_value());
}

TEST(StpsSimListenTest, ParsesIpv4AndIpv6) {
  auto v4 = parse_listen_address("127.0.0.1:8080").value();
  EXPECT_EQ(v4.host, "127.0.0.1");
  EXPECT_EQ(v4.port, 8080);
  EXPECT_FALSE(v4.ipv6);
  auto v6 = parse_listen_address("[::1]:0").value();
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 0);
  EXPECT_TRUE(v6.ipv6);
  EXPECT_EQ(parse_listen_address("localhost:9").value().host, "127.0.0.1");
}

TEST(StpsSimListenTest, RejectsBadAddresses) {
  for (std::string_view bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "example.com:80",
                               "::1:80", "[::1]80", "1.2.3:80", ":80"}) {
    auto parsed = parse_listen_address(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error().code, OptionErrc::BadAddress) << bad;
  }
}

std::expected<Options, OptionError> parse(std::vector<std::string_view> args) {
  return parse_options(args);
}

TEST(StpsSimOptionsTest, ParsesEveryFlag) {
  auto o = parse({"--listen", "127.0.0.1:1", "--listen=[::1]:2", "--clone-id", "c-9", "--poll-hold",
                  "2s", "--idle-timeout=1m", "--threads", "3", "--tls-cert", "c", "--tls-key", "k",
                  "--user-header", "X-U"})
               .value();
  ASSERT_EQ(o.listen.size(), 2u);
  EXPECT_EQ(o.listen[1].port, 2);
  EXPECT_EQ(o.clone_id, "c-9");
  EXPECT_EQ(o.poll_hold, std::chrono::seconds(2));
  EXPECT_EQ(o.idle_timeout, std::chrono::minutes(1));
  EXPECT_EQ(o.threads, 3);
  EXPECT_EQ(o.tls_cert, "c");
  EXPECT_EQ(o.user_header, "X-U");
}

TEST(StpsSimOptionsTest, DefaultsToOneLoopbackListenerAndThirtySecondHold) {
  auto o = parse({}).value();
  ASSERT_EQ(o.listen.size(), 1u);
  EXPECT_EQ(o.listen[0].host, "127.0.0.1");
  EXPECT_EQ(o.poll_hold, std::chrono::seconds(30));
  EXPECT_EQ(o.threads, 1);
}

TEST(StpsSimOptionsTest, RejectsBadInputWithTheRightCode) {
  EXPECT_EQ(parse({"--bogus", "1"}).error().code, OptionErrc::UnknownFlag);
  EXPECT_EQ(parse({"--listen"}).error().code, OptionErrc::MissingValue);
  EXPECT_EQ(parse({"--poll-hold", "30"}).error().code, OptionErrc::BadDuration);
  EXPECT_EQ(parse({"--threads", "0"}).error().code, OptionErrc::BadNumber);
  EXPECT_EQ(parse({"--clone-id", "a;b"}).error().code, OptionErrc::BadCloneId);
  EXPECT_EQ(parse({"--clone-id", ""}).error().code, OptionErrc::BadCloneId);
  EXPECT_EQ(parse({"--tls-cert", "c"}).error().code, OptionErrc::BadTls);
}

TEST(StpsSimOptionsTest, ErrorNamesTheFlag) {
  EXPECT_NE(describe(parse({"--poll-hold", "30"}).error()).find("--poll-hold"), std::string::npos);
}

TEST(StpsSimCookieTest, FindsExactNamesAmongSeveral) {
  EXPECT_EQ(find_cookie("a=1; LtpaToken2=xyz; b=2", "LtpaToken2").value(), "xyz");
  EXPECT_EQ(find_cookie("a=1;LtpaToken=v1", "LtpaToken").value(), "v1");
  EXPECT_EQ(find_cookie("  LtpaToken = spaced ", "LtpaToken").value(), "spaced");
  EXPECT_FALSE(find_cookie("LtpaToken2=x", "LtpaToken").has_value());
  EXPECT_FALSE(find_cookie("ltpatoken=x", "LtpaToken").has_value());
  EXPECT_FALSE(find_cookie("XLtpaToken=x; noequals", "LtpaToken").has_value());
  EXPECT_EQ(find_cookie("a=b=c", "a").value(), "b=c");
}

TEST(StpsSimCookieTest, LtpaNeedsANonEmptyValue) {
  EXPECT_TRUE(has_ltpa_cookie("LtpaToken=AAAA"));
  EXPECT_TRUE(has_ltpa_cookie("JSESSIONID=1; LtpaToken2=BBBB"));
  EXPECT_FALSE(has_ltpa_cookie("LtpaToken="));
  EXPECT_FALSE(has_ltpa_cookie("LtpaToken2=\"\""));
  EXPECT_FALSE(has_ltpa_cookie("LtpaToken3=x; MyLtpaToken=y"));
  EXPECT_FALSE(has_ltpa_cookie(""));
}

TEST(StpsSimJsonTest, EscapesControlQuotesAndInvalidUtf8) {
  std::string raw = "a\"b\\c\n\x01\x7f caf\xc3\xa9 \xff\xc3";
  std::string json = json_string(raw);
  auto parsed = nlohmann::json::parse(json);
  std::string back = parsed.get<std::string>();
  EXPECT_EQ(back.substr(0, 9), "a\"b\\c\n\x01\x7f ");
  EXPECT_NE(back.find("caf\xc3\xa9"), std::string::npos);
  // 0xFF and a truncated sequence become U+00FF and U+00C3.
  EXPECT_NE(back.find("\xc3\xbf\xc3\x83"), std::string::npos);
}

TEST(StpsSimJsonTest, RejectsOverlongAndSurrogateSequences) {
  auto back = nlohmann::json::parse(json_string("\xc0\xaf\xed\xa0\x80")).get<std::string>();
  EXPECT_EQ(back.find("\xc0\xaf"), std::string::npos);
  EXPECT_EQ(back.find("\xed\xa0\x80"), std::string::npos);
}

TEST(StpsSimContentTypeTest, MapsExtensions) {
  EXPECT_EQ(content_type_for("/stbaseapi/baseComps.js"), "application/javascript; charset=UTF-8");
  EXPECT_EQ(content_type_for("/stwebclient/dojo.blue/sametime/themes/WebClientAll.css"),
            "text/css; charset=UTF-8");
  EXPECT_EQ(content_type_for("/stwebclient/popup.jsp"), "text/html; charset=UTF-8");
  EXPECT_EQ(content_type_for("/stwebclient/"), "text/html; charset=UTF-8");
  EXPECT_EQ(content_type_for("/stwebclient/buildinfo"), "text/html; charset=UTF-8");
  EXPECT_EQ(content_type_for("/stwebclient/images/a.png"), "image/png");
  EXPECT_EQ(content_type_for("/stwebclient/x.bin"), "application/octet-stream");
}

} // namespace
} // namespace stgw::stps_sim
