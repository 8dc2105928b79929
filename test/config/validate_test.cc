// The rules that relate values to each other (validate.cc), checked without files.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test/config/config_test_support.h"

namespace stgw::config::loader_test {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Building blocks, each without a final newline: errors_of() puts each part on its own lines,
// so kListener is lines 1-2, a following kBackend lines 3-5, and so on.
constexpr std::string_view kListener = "[[listener]]\naddress = \"127.0.0.1:8080\"";
constexpr std::string_view kBackend =
    "[[backend]]\nname = \"stps\"\nservers = [\"127.0.0.1:9080\"]";
constexpr std::string_view kRoute = "[[route]]\nbackend = \"stps\"";
constexpr std::string_view kSsoWithKey = "[sso]\nlogin_url = \"https://login.example.com/\"\n"
                                         "[[sso.keys]]\nfile = \"ltpa.keys\"\npassword_file = "
                                         "\"ltpa.pw\"";

std::vector<std::string> errors_of(std::initializer_list<std::string_view> parts) {
  std::string text;
  for (auto part : parts)
    text += std::string(part) + "\n";
  return error_lines(load_text(text));
}

TEST(ValidateConfigTest, MinimalIsValid) {
  EXPECT_THAT(errors_of({kListener, kBackend, kRoute}), IsEmpty());
}

TEST(ValidateConfigTest, ListenerNamesAndAddressesAreUnique) {
  EXPECT_THAT(errors_of({kListener, kListener, kBackend, kRoute}),
              ElementsAre("gw.toml:3:1: listener[1].name: duplicate listener name "
                          "\"127.0.0.1:8080\" (also at listener[0].name)",
                          "gw.toml:4:11: listener[1].address: duplicate listener address "
                          "\"127.0.0.1:8080\" (also at listener[0].address)"));
  EXPECT_THAT(
      errors_of({"[[listener]]\nname = \"a\"\naddress = \"127.0.0.1:1\"",
                 "[[listener]]\nname = \"a\"\naddress = \"127.0.0.1:2\"", kBackend, kRoute}),
      ElementsAre("gw.toml:5:8: listener[1].name: duplicate listener name \"a\" (also at "
                  "listener[0].name)"));
}

TEST(ValidateConfigTest, PortZeroListenersDoNotCollide) {
  EXPECT_THAT(
      errors_of({"[[listener]]\nname = \"a\"\naddress = \"127.0.0.1:0\"",
                 "[[listener]]\nname = \"b\"\naddress = \"127.0.0.1:0\"", kBackend, kRoute}),
      IsEmpty());
}

TEST(ValidateConfigTest, ListenerNeedsAddressAndKnownProtocols) {
  EXPECT_THAT(
      errors_of({"[[listener]]\nname = \"x\"\nalpn = [\"http/1.1\", \"spdy\"]", kBackend, kRoute}),
      ElementsAre("gw.toml:1:1: listener[0].address: missing required key",
                  "gw.toml:3:21: listener[0].alpn[1]: unknown protocol \"spdy\": "
                  "expected \"http/1.1\" or \"h2\""));
  EXPECT_THAT(errors_of({kListener, "alpn = []", kBackend, kRoute}),
              ElementsAre("gw.toml:3:8: listener[0].alpn: needs at least one protocol, e.g. "
                          "[\"http/1.1\"]"));
}

TEST(ValidateConfigTest, TlsNeedsCertificateAndKey) {
  EXPECT_THAT(errors_of({kListener, "tls = { certificate = \"a.pem\" }", kBackend, kRoute}),
              ElementsAre("gw.toml:3:7: listener[0].tls.private_key: missing required key"));
  EXPECT_THAT(errors_of({kListener, "tls = { min_version = \"TLSv1.3\" }", kBackend, kRoute}),
              ElementsAre("gw.toml:3:7: listener[0].tls: needs certificate and private_key, or "
                          "certificates = [ { certificate, private_key }, ... ]"));
  EXPECT_THAT(
      errors_of({kListener,
                 "tls = { certificates = [ { certificate = \"a.pem\", private_key = \"a.key\" }, "
                 "{ certificate = \"b.pem\" } ] }",
                 kBackend, kRoute}),
      ElementsAre("gw.toml:3:76: listener[0].tls.certificates[1].private_key: missing required "
                  "key"));
}

TEST(ValidateConfigTest, TlsFormsAreExclusiveAndVersionIsKnown) {
  EXPECT_THAT(errors_of({kListener,
                         "tls = { certificate = \"a.pem\", private_key = \"a.key\", certificates "
                         "= [], min_version = \"TLSv1.1\" }",
                         kBackend, kRoute}),
              ElementsAre("gw.toml:3:70: listener[0].tls.certificates: write either certificate "
                          "and private_key, or certificates = [...], not both",
                          "gw.toml:3:88: listener[0].tls.min_version: unknown TLS version "
                          "\"TLSv1.1\": expected \"TLSv1.2\" or \"TLSv1.3\""));
}

TEST(ValidateConfigTest, BackendNeedsNameAndServers) {
  EXPECT_THAT(errors_of({kListener, "[[backend]]\nservers = []", kRoute}),
              ElementsAre("gw.toml:3:1: backend[0].name: missing required key",
                          "gw.toml:4:11: backend[0].servers: needs at least one \"host:port\""))
      << "the route naming \"stps\" is not reported: the nameless backend may be the one meant";
  EXPECT_THAT(errors_of({kListener, "[[backend]]\nname = \"stps\"", kRoute}),
              ElementsAre("gw.toml:3:1: backend[0].servers: missing required key"));
}

TEST(ValidateConfigTest, BackendServersNeedHostPortAndUniqueCloneIds) {
  EXPECT_THAT(errors_of({kListener,
                         "[[backend]]\nname = \"stps\"\nservers = [\"st1:0\", \":9080\", "
                         "{ clone_id = \"c1\" }, { address = \"st2:1\", clone_id = \"c\" }, "
                         "{ address = \"st3:1\", clone_id = \"c\" }, \"st2:1\"]",
                         kRoute}),
              ElementsAre("gw.toml:5:12: backend[0].servers[0]: a backend server needs a host and "
                          "a port from 1 to 65535",
                          "gw.toml:5:21: backend[0].servers[1]: a backend server needs a host "
                          "and a port from 1 to 65535",
                          "gw.toml:5:30: backend[0].servers[2].address: missing required key",
                          "gw.toml:5:122: backend[0].servers[4].clone_id: duplicate clone_id "
                          "\"c\" (also at backend[0].servers[3].clone_id)",
                          "gw.toml:5:129: backend[0].servers[5]: duplicate server \"st2:1\" "
                          "(also at backend[0].servers[3].address)"));
}

TEST(ValidateConfigTest, BackendNamesAreUnique) {
  EXPECT_THAT(errors_of({kListener, kBackend, kBackend, kRoute}),
              ElementsAre("gw.toml:7:8: backend[1].name: duplicate backend name \"stps\" (also "
                          "at backend[0].name)"));
}

TEST(ValidateConfigTest, RoutesNeedSlashPrefixAndDistinctMatch) {
  EXPECT_THAT(errors_of({kListener, kBackend, "[[route]]\nprefix = \"api\"\nbackend = \"stps\"",
                         "[[route]]\nprefix = \"/x/\"\nhost = \"A.example\"\nbackend = \"stps\"",
                         "[[route]]\nprefix = \"/x/\"\nhost = \"a.EXAMPLE\"\nbackend = \"stps\"",
                         "[[route]]\nhost = \"a.example:443\"\nbackend = \"stps\""}),
              ElementsAre("gw.toml:7:10: route[0].prefix: must start with \"/\" (not \"api\")",
                          "gw.toml:13:1: route[2]: same host and prefix as route[1]: only one of "
                          "them could ever match",
                          "gw.toml:18:8: route[3].host: must be a host name without port, scheme "
                          "or path"));
}

TEST(ValidateConfigTest, AuthNeedsSsoKeys) {
  EXPECT_THAT(errors_of({kListener, kBackend, kRoute, "auth = \"required\""}),
              ElementsAre("gw.toml:8:8: route[0].auth: auth = \"required\" needs an [sso] "
                          "section with at least one [[sso.keys]] or [[sso.domino]]"));
  EXPECT_THAT(errors_of({kListener, kBackend, kRoute, "auth = \"optional\"",
                         "[sso]\ndomain = \".example.com\""}),
              ElementsAre("gw.toml:8:8: route[0].auth: auth = \"optional\" needs an [sso] "
                          "section with at least one [[sso.keys]] or [[sso.domino]]"));
  EXPECT_THAT(errors_of({kListener, kBackend, kRoute, "auth = \"required\"", kSsoWithKey}),
              IsEmpty());
  EXPECT_THAT(errors_of({kListener, kBackend, kRoute, "auth = \"required\"",
                         "[[sso.domino]]\nsecret_file = \"d.secret\""}),
              IsEmpty());
}

TEST(ValidateConfigTest, RedirectNeedsLoginUrl) {
  EXPECT_THAT(errors_of({kListener, kBackend, kRoute, "auth = \"required\"",
                         "on_unauthenticated = \"redirect\"",
                         "[[sso.keys]]\nfile = \"k\"\npassword_file = \"p\""}),
              ElementsAre("gw.toml:9:22: route[0].on_unauthenticated: on_unauthenticated = "
                          "\"redirect\" needs sso.login_url"));
  EXPECT_THAT(errors_of({kListener, kBackend, kRoute, "auth = \"required\"",
                         "on_unauthenticated = \"redirect\"", kSsoWithKey}),
              IsEmpty());
}

TEST(ValidateConfigTest, SsoValues) {
  EXPECT_THAT(errors_of({kListener, kBackend, kRoute,
                         "[sso]\ndomain = \"example.com\"\ncookie_v2 = \"Ltpa Token\"\n"
                         "accept = []\nclock_skew = \"-5s\"\nlogin_url = \"login.html\"\n"
                         "identity_header = \"\"",
                         "[[sso.keys]]\nrealm = \"r\""}),
              ElementsAre("gw.toml:9:10: sso.domain: must start with \".\", e.g. "
                          "\".example.com\" (not \"example.com\")",
                          "gw.toml:10:13: sso.cookie_v2: must be a valid cookie name",
                          "gw.toml:11:10: sso.accept: needs at least one of \"ltpa2\", "
                          "\"ltpa1\", \"domino\"",
                          "gw.toml:12:14: sso.clock_skew: must not be negative",
                          "gw.toml:13:13: sso.login_url: must be an http(s):// URL or a path "
                          "starting with \"/\"",
                          "gw.toml:14:19: sso.identity_header: must be a valid header name",
                          "gw.toml:15:1: sso.keys[0].file: missing required key",
                          "gw.toml:15:1: sso.keys[0].password_file: missing required key"));
  EXPECT_THAT(errors_of({kListener, kBackend, kRoute, "[sso]\naccept = [\"ltpa1\", \"ltpa1\"]"}),
              ElementsAre("gw.toml:9:20: sso.accept[1]: duplicate token format \"ltpa1\" (also "
                          "at sso.accept[0])"));
}

TEST(ValidateConfigTest, NumbersAndDurationsHaveFloors) {
  EXPECT_THAT(
      errors_of({kListener, kBackend, kRoute, "timeout = \"0s\"",
                 "[server]\nworkers = -1\ndrain_timeout = \"-1s\"\nmax_header_bytes = 1000\n"
                 "max_uri_bytes = 2000\nkeepalive_timeout = \"0ms\"",
                 "[budget]\nmax_client_connections = -5\nmax_parked_per_user = -1"}),
      ElementsAre("gw.toml:8:11: route[0].timeout: must be longer than zero",
                  "gw.toml:10:11: server.workers: must not be negative",
                  "gw.toml:11:17: server.drain_timeout: must not be negative",
                  "gw.toml:13:17: server.max_uri_bytes: must not exceed server.max_header_bytes "
                  "(1000): the request line is part of the head",
                  "gw.toml:14:21: server.keepalive_timeout: must be longer than zero",
                  "gw.toml:16:26: budget.max_client_connections: must not be negative",
                  "gw.toml:17:23: budget.max_parked_per_user: must not be negative"));
}

TEST(ValidateConfigTest, BusyPollIsBetweenZeroAndOneMillisecond) {
  EXPECT_THAT(errors_of({kListener, kBackend, kRoute, "[server]\nbusy_poll_us = 1000"}), IsEmpty());
  EXPECT_THAT(errors_of({kListener, kBackend, kRoute, "[server]\nbusy_poll_us = -1"}),
              ElementsAre("gw.toml:9:16: server.busy_poll_us: must not be negative"));
  EXPECT_THAT(errors_of({kListener, kBackend, kRoute, "[server]\nbusy_poll_us = 1001"}),
              ElementsAre("gw.toml:9:16: server.busy_poll_us: must be at most 1000 (a worker "
                          "would spin, not sleep, between requests arriving further apart than "
                          "that)"));
}

TEST(ValidateConfigTest, MaxHeaderBytesIsAtMostOneMebibyte) {
  EXPECT_THAT(errors_of({kListener, kBackend, kRoute, "[server]\nmax_header_bytes = 1048576"}),
              IsEmpty());
  EXPECT_THAT(errors_of({kListener, kBackend, kRoute, "[server]\nmax_header_bytes = 1048577"}),
              ElementsAre("gw.toml:9:20: server.max_header_bytes: must be at most 1048576 (1 "
                          "MiB): a worker holds a request head in memory until it is complete"));
}

TEST(ValidateConfigTest, BackendTimingsAndHealthPath) {
  EXPECT_THAT(errors_of({kListener, kBackend, "connect_timeout = \"0s\"",
                         "health_check = { path = \"health\", interval = \"0s\" }",
                         "max_idle_per_server = -1", kRoute}),
              ElementsAre("gw.toml:6:19: backend[0].connect_timeout: must be longer than zero",
                          "gw.toml:7:25: backend[0].health_check.path: must start with \"/\" (or "
                          "be \"\" for a TCP connect check)",
                          "gw.toml:7:46: backend[0].health_check.interval: must be longer than "
                          "zero",
                          "gw.toml:8:23: backend[0].max_idle_per_server: must not be negative"));
}

TEST(ValidateConfigTest, IntegrationUrlsAreHttp) {
  EXPECT_THAT(errors_of({kListener, kBackend, kRoute,
                         "[integration]\npublic_url = \"st.example.com\"\n"
                         "connections_url = \"ftp://c.example.com\"\nportal_url = \"https:///x\"\n"
                         "inotes_servers = [\"\"]"}),
              ElementsAre("gw.toml:9:14: integration.public_url: must be an http:// or https:// "
                          "URL with a host, not \"st.example.com\"",
                          "gw.toml:10:19: integration.connections_url: must be an http:// or "
                          "https:// URL with a host, not \"ftp://c.example.com\"",
                          "gw.toml:11:14: integration.portal_url: must be an http:// or https:// "
                          "URL with a host, not \"https:///x\"",
                          "gw.toml:12:19: integration.inotes_servers[0]: must not be empty"));
  EXPECT_THAT(errors_of({kListener, kBackend, kRoute,
                         "[integration]\npublic_url = \"HTTPS://st.example.com:8443/\""}),
              IsEmpty());
}

TEST(ValidateConfigTest, AdminMustNotShareAListenerAddress) {
  EXPECT_THAT(errors_of({kListener, kBackend, kRoute, "[admin]\naddress = \"127.0.0.1:8080\""}),
              ElementsAre("gw.toml:9:11: admin.address: 127.0.0.1:8080 is also used by "
                          "listener[0]"));
}

TEST(ValidateConfigTest, AccessLogFormatIsKnown) {
  EXPECT_THAT(errors_of({kListener, kBackend, kRoute, "[access_log]\nformat = \"combined\""}),
              ElementsAre("gw.toml:9:10: access_log.format: unknown format \"combined\": "
                          "expected \"json\""));
}

TEST(ValidateConfigTest, OneMistakeGivesOneError) {
  // A backend name of the wrong type must not also make the route's reference "unknown".
  EXPECT_THAT(errors_of({kListener, "[[backend]]\nname = 5\nservers = [\"127.0.0.1:1\"]", kRoute}),
              ElementsAre("gw.toml:4:8: backend[0].name: expected a string, found an integer"));
  // The only server being malformed must not also report "needs at least one server".
  EXPECT_THAT(errors_of({kListener, "[[backend]]\nname = \"stps\"\nservers = [\"nope\"]", kRoute}),
              ElementsAre("gw.toml:5:12: backend[0].servers[0]: invalid address \"nope\": "
                          "expected \"host:port\" or \"[ipv6]:port\" with a port from 0 to 65535"));
  // A malformed [sso] must not also make every authenticated route complain.
  EXPECT_THAT(errors_of({"sso = true", kListener, kBackend, kRoute, "auth = \"required\""}),
              ElementsAre("gw.toml:1:7: sso: expected a table, found a boolean"));
}

} // namespace
} // namespace stgw::config::loader_test
