// Type, format and syntax errors: each is reported as "file:line:col: key.path: message", and
// all of them at once.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test/config/config_test_support.h"

namespace stgw::config::loader_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// kMinimal is ten lines long: text appended to it starts on line 11.
std::vector<std::string> errors_after_minimal(std::string_view extra) {
  return error_lines(load_text(std::string(kMinimal) + std::string(extra)));
}

TEST(LoadConfigErrorsTest, UnknownSectionSuggestsTheKnownOne) {
  EXPECT_THAT(errors_after_minimal("[servr]\nworkers = 2\n"),
              ElementsAre("gw.toml:11:2: servr: unknown key (did you mean \"server\"?)"));
}

TEST(LoadConfigErrorsTest, UnknownKeyInSectionIsPositionedAtTheKey) {
  EXPECT_THAT(errors_after_minimal("[server]\nworkrs = 2\n"),
              ElementsAre("gw.toml:12:1: server.workrs: unknown key (did you mean \"workers\"?)"));
}

TEST(LoadConfigErrorsTest, UnknownKeyWithoutNearNameHasNoSuggestion) {
  EXPECT_THAT(errors_after_minimal("[access_log]\ncolour = true\n"),
              ElementsAre("gw.toml:12:1: access_log.colour: unknown key"));
}

TEST(LoadConfigErrorsTest, UnknownKeyInsideInlineTableOfSecondListener) {
  constexpr std::string_view text = R"([[listener]]
address = "127.0.0.1:8080"

[[listener]]
address = "127.0.0.1:8081"
tls = { certificate = "a.pem", private_key = "a.key", ciphers = "x" }

[[backend]]
name = "b"
servers = ["127.0.0.1:9080"]

[[route]]
backend = "b"
)";
  EXPECT_THAT(error_lines(load_text(text)),
              ElementsAre("gw.toml:6:55: listener[1].tls.ciphers: unknown key"));
}

TEST(LoadConfigErrorsTest, UnknownKeyInServerTable) {
  EXPECT_THAT(error_lines(load_text(R"([[listener]]
address = "127.0.0.1:8080"
[[backend]]
name = "b"
servers = [{ address = "127.0.0.1:9080", cloneid = "c1" }]
[[route]]
backend = "b"
)")),
              ElementsAre("gw.toml:5:42: backend[0].servers[0].cloneid: unknown key (did you "
                          "mean \"clone_id\"?)"));
}

TEST(LoadConfigErrorsTest, WrongTypeNamesBothTypes) {
  EXPECT_THAT(errors_after_minimal("[server]\nworkers = \"4\"\n"),
              ElementsAre("gw.toml:12:11: server.workers: expected an integer, found a string"));
  EXPECT_THAT(errors_after_minimal("[server]\nworkers = 2.5\n"),
              ElementsAre("gw.toml:12:11: server.workers: expected an integer, found a "
                          "floating-point number"));
  EXPECT_THAT(errors_after_minimal("[access_log]\ninclude_query = \"yes\"\n"),
              ElementsAre("gw.toml:12:17: access_log.include_query: expected a boolean (true or "
                          "false), found a string"));
  EXPECT_THAT(errors_after_minimal("[integration]\ninotes_servers = \"mail1\"\n"),
              ElementsAre("gw.toml:12:18: integration.inotes_servers: expected an array, found "
                          "a string"));
  EXPECT_THAT(errors_after_minimal("[integration]\ninotes_servers = [\"a\", 2]\n"),
              ElementsAre("gw.toml:12:24: integration.inotes_servers[1]: expected a string, "
                          "found an integer"));
}

TEST(LoadConfigErrorsTest, SectionOfWrongShape) {
  EXPECT_THAT(error_lines(load_text("server = 5\n" + std::string(kMinimal))),
              ElementsAre("gw.toml:1:10: server: expected a table, found an integer"));
  // Keys after a table header belong to that table, however they were meant.
  EXPECT_THAT(errors_after_minimal("server = 5\n"),
              ElementsAre("gw.toml:11:1: route[0].server: unknown key"));
  EXPECT_THAT(error_lines(load_text("[listener]\naddress = \"127.0.0.1:80\"\n")),
              ::testing::Contains(
                  "gw.toml:1:1: listener: expected an array of tables ([[listener]]), found a "
                  "single table ([listener])"));
}

TEST(LoadConfigErrorsTest, DurationWithoutUnit) {
  EXPECT_THAT(errors_after_minimal("timeout = 90\n"),
              ElementsAre("gw.toml:11:11: route[0].timeout: duration needs a unit, e.g. \"90s\""))
      << "appended keys belong to the last [[route]]";
  EXPECT_THAT(errors_after_minimal("timeout = \"90\"\n"),
              ElementsAre("gw.toml:11:11: route[0].timeout: duration needs a unit, e.g. \"90s\""));
}

TEST(LoadConfigErrorsTest, BadDuration) {
  EXPECT_THAT(errors_after_minimal("timeout = \"90 s\"\n"),
              ElementsAre("gw.toml:11:11: route[0].timeout: invalid duration \"90 s\": write a "
                          "number and a unit (ms, s, m, h), e.g. \"90s\", \"250ms\", \"1h30m\""));
  EXPECT_THAT(errors_after_minimal("timeout = true\n"),
              ElementsAre("gw.toml:11:11: route[0].timeout: expected a duration string such as "
                          "\"90s\", found a boolean"));
}

TEST(LoadConfigErrorsTest, MissingBackend) {
  constexpr std::string_view text = R"([[listener]]
address = "127.0.0.1:8080"
[[backend]]
name = "stps"
servers = ["127.0.0.1:9080"]
[[route]]
prefix = "/a/"
backend = "stpz"
[[route]]
prefix = "/b/"
)";
  EXPECT_THAT(error_lines(load_text(text)),
              ElementsAre("gw.toml:8:11: route[0].backend: no [[backend]] named \"stpz\"",
                          "gw.toml:9:1: route[1].backend: missing required key"));
}

TEST(LoadConfigErrorsTest, BadAddress) {
  constexpr std::string_view text = R"([[listener]]
address = "127.0.0.1"
[[backend]]
name = "stps"
servers = ["127.0.0.1:9080", "::1:9080"]
[[route]]
backend = "stps"
)";
  EXPECT_THAT(error_lines(load_text(text)),
              ElementsAre("gw.toml:2:11: listener[0].address: invalid address \"127.0.0.1\": "
                          "expected \"host:port\" or \"[ipv6]:port\" with a port from 0 to 65535",
                          "gw.toml:5:30: backend[0].servers[1]: invalid address \"::1:9080\": "
                          "expected \"host:port\" or \"[ipv6]:port\" with a port from 0 to 65535"));
}

TEST(LoadConfigErrorsTest, TomlSyntaxErrorHasItsPosition) {
  auto lines = error_lines(load_text("[[listener]]\naddress = \"127.0.0.1:8080\nname = \"x\"\n"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], StartsWith("gw.toml:2:"));
  EXPECT_THAT(lines[0], HasSubstr("TOML syntax error: "));
}

TEST(LoadConfigErrorsTest, DuplicateKeyIsASyntaxError) {
  auto lines = error_lines(load_text(std::string(kMinimal) + "prefix = \"/x\"\n"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], StartsWith("gw.toml:11:"));
  EXPECT_THAT(lines[0], HasSubstr("TOML syntax error"));
}

TEST(LoadConfigErrorsTest, UnknownChoiceListsTheValidOnes) {
  EXPECT_THAT(errors_after_minimal("auth = \"yes\"\non_unauthenticated = \"403\"\n"),
              ElementsAre("gw.toml:11:8: route[0].auth: unknown value \"yes\": expected one of "
                          "\"required\", \"optional\", \"none\"",
                          "gw.toml:12:22: route[0].on_unauthenticated: unknown value \"403\": "
                          "expected one of \"401\", \"redirect\""));
  EXPECT_THAT(errors_after_minimal("[sso]\naccept = [\"ltpa2\", \"saml\"]\n"),
              ElementsAre("gw.toml:12:20: sso.accept[1]: unknown value \"saml\": expected one of "
                          "\"ltpa2\", \"ltpa1\", \"domino\""));
}

TEST(LoadConfigErrorsTest, IntegerThatDoesNotFit) {
  EXPECT_THAT(errors_after_minimal("[server]\nmax_header_bytes = -1\nworkers = 99999999999\n"),
              ElementsAre("gw.toml:12:20: server.max_header_bytes: must not be negative",
                          "gw.toml:13:11: server.workers: is out of range (at most 2147483647)"));
}

TEST(LoadConfigErrorsTest, ArrayOfTablesPathsCountFromZero) {
  constexpr std::string_view text = R"([[listener]]
address = "127.0.0.1:8080"
[[backend]]
name = "stps"
servers = ["127.0.0.1:9080"]
[[route]]
prefix = "/a/"
backend = "stps"
[[route]]
prefix = "/b/"
backend = "stps"
[[route]]
prefix = "/c/"
backend = "stps"
timeout = "soon"
)";
  auto lines = error_lines(load_text(text));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], StartsWith("gw.toml:15:11: route[2].timeout: invalid duration \"soon\""));
}

TEST(LoadConfigErrorsTest, ReportsEveryErrorInFileOrder) {
  constexpr std::string_view text = R"([server]
workers = "two"
drain_timeout = 30

[[listener]]
address = "localhost"
bogus = 1

[[backend]]
name = "stps"
servers = ["127.0.0.1:9080"]
affinity = "sticky"

[[route]]
prefix = "stwebapi"
backend = "nope"
timeout = "1x"
)";
  EXPECT_THAT(
      error_lines(load_text(text)),
      ElementsAre(
          "gw.toml:2:11: server.workers: expected an integer, found a string",
          "gw.toml:3:17: server.drain_timeout: duration needs a unit, e.g. \"90s\"",
          "gw.toml:6:11: listener[0].address: invalid address \"localhost\": expected "
          "\"host:port\" or \"[ipv6]:port\" with a port from 0 to 65535",
          "gw.toml:7:1: listener[0].bogus: unknown key",
          "gw.toml:12:12: backend[0].affinity: unknown value \"sticky\": expected one of "
          "\"jsessionid\", \"user\", \"none\"",
          "gw.toml:15:10: route[0].prefix: must start with \"/\" (not \"stwebapi\")",
          "gw.toml:16:11: route[0].backend: no [[backend]] named \"nope\"",
          "gw.toml:17:11: route[0].timeout: invalid duration \"1x\": write a number and a unit "
          "(ms, s, m, h), e.g. \"90s\", \"250ms\", \"1h30m\""));
}

TEST(LoadConfigErrorsTest, EmptyFileListsEveryMissingSection) {
  EXPECT_THAT(error_lines(load_text("")),
              ElementsAre("gw.toml:1:1: listener: at least one [[listener]] is required",
                          "gw.toml:1:1: backend: at least one [[backend]] is required",
                          "gw.toml:1:1: route: at least one [[route]] is required"));
}

TEST(LoadConfigErrorsTest, ValuesInMessagesStayOnOneLineAndShort) {
  EXPECT_THAT(errors_after_minimal("timeout = \"9\\n0s\"\n"),
              ElementsAre("gw.toml:11:11: route[0].timeout: invalid duration \"9\\x0a0s\": write "
                          "a number and a unit (ms, s, m, h), e.g. \"90s\", \"250ms\", \"1h30m\""));
  std::string long_value(100, '7');
  std::string cut = "\"" + std::string(60, '7') + "...\"";
  EXPECT_THAT(errors_after_minimal("auth = \"" + long_value + "\"\n" + long_value + " = 1\n"),
              ElementsAre("gw.toml:11:8: route[0].auth: unknown value " + cut +
                              ": expected one of \"required\", \"optional\", \"none\"",
                          "gw.toml:12:1: route[0]." + cut + ": unknown key"));
}

TEST(LoadConfigErrorsTest, ErrorsNeverThrowOnBinaryInput) {
  std::string garbage("\x00\xff[[\x01]]\n=\"\xc3\x28\"", 13);
  auto result = load_text(garbage);
  ASSERT_FALSE(result.has_value());
  EXPECT_FALSE(result.error().empty());
}

TEST(ConfigErrorTest, FormatsWithAndWithoutPosition) {
  EXPECT_EQ((ConfigError{"gw.toml", 3, 7, "route[2].timeout", "bad"}).to_string(),
            "gw.toml:3:7: route[2].timeout: bad");
  EXPECT_EQ((ConfigError{"gw.toml", 0, 0, "", "cannot open: file not found"}).to_string(),
            "gw.toml: cannot open: file not found");
  EXPECT_EQ((ConfigError{"gw.toml", 1, 1, "", "TOML syntax error: x"}).to_string(),
            "gw.toml:1:1: TOML syntax error: x");
}

} // namespace
} // namespace stgw::config::loader_test
