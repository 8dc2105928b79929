#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "loadtest/load/options.h"

namespace stgw::load {
namespace {

std::expected<Options, OptionError> parse(std::vector<std::string_view> args) {
  return parse_options(args);
}

TEST(StgwLoadOptionsTest, PositionalScenarioAndShortFlags) {
  auto o = parse({"rps", "--url", "http://127.0.0.1:8080/x?y=1", "-c", "200", "-t", "2", "-d", "5s",
                  "-n", "1000", "-H", "X-A: b"});
  ASSERT_TRUE(o) << o.error().detail;
  EXPECT_EQ(o->scenario, Scenario::Rps);
  EXPECT_FALSE(o->url.tls);
  EXPECT_EQ(o->url.port, 8080);
  EXPECT_EQ(o->target(), "/x?y=1");
  EXPECT_EQ(o->url.host_header, "127.0.0.1:8080");
  EXPECT_EQ(o->connections, 200);
  EXPECT_EQ(o->threads, 2);
  EXPECT_EQ(o->duration, std::chrono::seconds(5));
  EXPECT_EQ(o->requests, 1000u);
  ASSERT_EQ(o->headers.size(), 1u);
  EXPECT_EQ(o->ramp.count(), 0); // rps starts all connections at once
}

TEST(StgwLoadOptionsTest, EqualsFormAndScenarioFlag) {
  auto o =
      parse({"--scenario=handshake", "--url=https://[::1]:8443", "--insecure", "--connections=4"});
  ASSERT_TRUE(o) << o.error().detail;
  EXPECT_EQ(o->scenario, Scenario::Handshake);
  EXPECT_TRUE(o->url.tls);
  EXPECT_EQ(o->url.host, "::1");
  EXPECT_EQ(o->url.host_header, "[::1]:8443");
  EXPECT_EQ(o->target(), "/");
}

TEST(StgwLoadOptionsTest, AwarenessDefaultsAndCredentials) {
  auto o = parse({"awareness", "--url", "https://127.0.0.1:8443", "--ca-file", "ca.pem", "-u",
                  "300", "--keys", "k", "--password-file", "p", "--rate", "0.5"});
  ASSERT_TRUE(o) << o.error().detail;
  EXPECT_EQ(o->users, 300);
  EXPECT_DOUBLE_EQ(o->rate, 0.5);
  EXPECT_EQ(o->ramp, std::chrono::seconds(1));
  EXPECT_EQ(o->poll_path, "/stwebapi/poll");
  EXPECT_EQ(o->effective_duration(), std::chrono::seconds(10));
}

TEST(StgwLoadOptionsTest, ThreadsNeverExceedTheWork) {
  auto o = parse({"rps", "--url", "http://127.0.0.1:1", "-c", "3", "-t", "8"});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->threads, 3);
}

TEST(StgwLoadOptionsTest, RequestsAloneBoundTheRun) {
  auto o = parse({"rps", "--url", "http://127.0.0.1:1", "-n", "10"});
  ASSERT_TRUE(o);
  EXPECT_GT(o->effective_duration(), std::chrono::hours(1));
}

TEST(StgwLoadOptionsTest, ParsesDurations) {
  EXPECT_EQ(*parse_duration("250us"), Micros(250));
  EXPECT_EQ(*parse_duration("1.5s"), Micros(1'500'000));
  EXPECT_EQ(*parse_duration("2m"), std::chrono::minutes(2));
  EXPECT_EQ(*parse_duration("1h"), std::chrono::hours(1));
  for (auto bad : {"", "5", "s", "5 s", "-1s", "25h", "1.2.3s", "5sec"})
    EXPECT_FALSE(parse_duration(bad)) << bad;
}

TEST(StgwLoadOptionsTest, RefusesBadUrls) {
  for (auto bad : {"127.0.0.1:80", "ftp://127.0.0.1:21", "http://127.0.0.1", "http://host:80",
                   "http://127.0.0.1:0", "http://127.0.0.1:70000", "http://[::1]8080",
                   "http://127.0.0.1:80/a b"}) {
    auto u = parse_url(bad);
    ASSERT_FALSE(u) << bad;
    EXPECT_EQ(u.error().code, OptionErrc::BadUrl);
  }
  auto local = parse_url("http://localhost:8080");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->host_header, "localhost:8080");
}

TEST(StgwLoadOptionsTest, RefusesBadCombinations) {
  struct Case {
    std::vector<std::string_view> args;
    OptionErrc code;
  };
  std::vector<Case> cases = {
      {{"--url", "http://127.0.0.1:1"}, OptionErrc::NoScenario},
      {{"rps"}, OptionErrc::Conflict},
      {{"awareness", "--url", "http://127.0.0.1:1"}, OptionErrc::Conflict},
      {{"rps", "--url", "http://127.0.0.1:1", "--keys", "k"}, OptionErrc::Conflict},
      {{"rps", "--url", "http://127.0.0.1:1", "--keys", "k", "--password-file", "p", "--token-file",
        "t"},
       OptionErrc::Conflict},
      {{"rps", "--url", "http://127.0.0.1:1", "--cookie", "a=b", "--token-file", "t"},
       OptionErrc::Conflict},
      {{"rps", "--url", "http://127.0.0.1:1", "--insecure"}, OptionErrc::Conflict},
      {{"handshake", "--url", "https://127.0.0.1:1", "--rate", "5"}, OptionErrc::Conflict},
      {{"rps", "--url", "http://127.0.0.1:1", "--bogus"}, OptionErrc::UnknownFlag},
      {{"rps", "--url", "http://127.0.0.1:1", "-c"}, OptionErrc::MissingValue},
      {{"rps", "--url", "http://127.0.0.1:1", "-c", "0"}, OptionErrc::BadValue},
      {{"rps", "--url", "http://127.0.0.1:1", "-c", "1e3"}, OptionErrc::BadValue},
      {{"rps", "--url", "http://127.0.0.1:1", "--rate", "-3"}, OptionErrc::BadValue},
      {{"rps", "--url", "http://127.0.0.1:1", "--path", "noslash"}, OptionErrc::BadValue},
      {{"rps", "--url", "http://127.0.0.1:1", "-H", "NoColon"}, OptionErrc::BadValue},
      {{"rps", "--url", "http://127.0.0.1:1", "--user-prefix", "a b"}, OptionErrc::BadValue},
      {{"rps", "--url", "http://127.0.0.1:1", "--json=yes"}, OptionErrc::BadValue},
      {{"rps", "handshake", "--url", "http://127.0.0.1:1"}, OptionErrc::UnknownFlag},
      {{"flood", "--url", "http://127.0.0.1:1"}, OptionErrc::BadValue},
  };
  for (const auto& c : cases) {
    auto o = parse(c.args);
    ASSERT_FALSE(o) << c.args.front() << " " << c.args.size();
    EXPECT_EQ(o.error().code, c.code) << o.error().detail;
    EXPECT_FALSE(describe(o.error()).empty());
  }
}

TEST(StgwLoadOptionsTest, HelpNeedsNothingElse) {
  auto o = parse({"--help"});
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->help);
  EXPECT_NE(usage().find("awareness"), std::string_view::npos);
}

} // namespace
} // namespace stgw::load
