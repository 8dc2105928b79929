// Header hygiene as the backend (stps-sim /echo) sees it: spoofed forwarding and WebSphere
// headers never arrive, the gateway's own do, and application headers pass unchanged.

#include "test/integration/fixture.h"

namespace stgw::itest {
namespace {

using Values = std::vector<std::string>;

// Headers a client could use to pose as the gateway, IHS/WebSEAL or another address.
const std::vector<std::string> kSpoofed = {
    "$WSRA: 6.6.6.6",
    "$WSIS: true",
    "$WSSC: https",
    "$WSSP: 443",
    "$WSSN: evil.test",
    "$WSCC: forged-client-cert",
    "iv-user: admin",
    "IV-Groups: admins",
    "X-Forwarded-For: 6.6.6.6",
    "X-Forwarded-Proto: https",
    "X-Forwarded-Host: evil.test",
    "Forwarded: for=6.6.6.6;proto=https",
};

// Headers the application needs as sent.
const std::vector<std::string> kPassed = {
    "Cookie: LtpaToken2=abc%2Fdef==; JSESSIONID=0000xyz:stps1",
    "X-ST-CSRF-Token: csrf-123",
    "Rtc4web-Nonce: nonce-456",
    "X-Unknown-Thing: kept as is",
};

std::vector<std::string> curl_headers(const std::vector<std::string>& lines) {
  std::vector<std::string> args;
  for (const auto& line : lines) {
    args.push_back("-H");
    args.push_back(line);
  }
  return args;
}

void expect_application_headers_unchanged(const nlohmann::json& echo) {
  EXPECT_EQ(echo_header(echo, "Cookie"),
            Values{"LtpaToken2=abc%2Fdef==; JSESSIONID=0000xyz:stps1"});
  EXPECT_EQ(echo_header(echo, "X-ST-CSRF-Token"), Values{"csrf-123"});
  EXPECT_EQ(echo_header(echo, "Rtc4web-Nonce"), Values{"nonce-456"});
  EXPECT_EQ(echo_header(echo, "X-Unknown-Thing"), Values{"kept as is"});
}

void expect_no_spoofed_values(const nlohmann::json& echo) {
  std::string dump = echo["headers"].dump();
  for (std::string_view forged : {"6.6.6.6", "evil.test", "admin", "forged-client-cert"})
    EXPECT_EQ(dump.find(forged), std::string::npos) << forged << " reached the backend: " << dump;
  EXPECT_TRUE(echo_header(echo, "iv-user").empty());
  EXPECT_TRUE(echo_header(echo, "iv-groups").empty());
  EXPECT_TRUE(echo_header(echo, "Forwarded").empty());
  EXPECT_TRUE(echo_header(echo, "$WSCC").empty());
}

TEST_F(DataPlaneTest, SpoofedForwardingHeadersNeverReachTheBackend) {
  ASSERT_TRUE(start());
  std::vector<std::string> args = curl_headers(kSpoofed);
  std::vector<std::string> passed = curl_headers(kPassed);
  args.insert(args.end(), passed.begin(), passed.end());
  args.push_back(url("/echo"));
  HttpReply reply = curl(args);
  ASSERT_EQ(reply.status, 200) << reply.raw;
  nlohmann::json echo = reply.json();
  expect_no_spoofed_values(echo);
  expect_application_headers_unchanged(echo);
  // The gateway's own, exactly once each.
  std::string port = std::to_string(options_.http_port);
  EXPECT_EQ(echo_header(echo, "X-Forwarded-For"), Values{"127.0.0.1"});
  EXPECT_EQ(echo_header(echo, "X-Forwarded-Proto"), Values{"http"});
  EXPECT_EQ(echo_header(echo, "X-Forwarded-Host"), Values{"127.0.0.1:" + port});
  EXPECT_EQ(echo_header(echo, "$WSRA"), Values{"127.0.0.1"});
  EXPECT_EQ(echo_header(echo, "$WSIS"), Values{"false"});
  EXPECT_EQ(echo_header(echo, "$WSSC"), Values{"http"});
  EXPECT_EQ(echo_header(echo, "$WSSP"), Values{port});
  EXPECT_EQ(echo_header(echo, "$WSSN"), Values{"127.0.0.1"});
}

TEST_F(DataPlaneTest, BehindTlsTheBackendIsToldHttpsAndTheServerName) {
  auto cert = make_self_signed(dir_, "st.example.test");
  ConfigOptions options;
  options.https_port = 1;
  options.tls_certificates = certificate_entry(cert);
  ASSERT_TRUE(start(options));
  std::string port = std::to_string(options_.https_port);
  std::vector<std::string> args = curl_headers(kSpoofed);
  std::vector<std::string> passed = curl_headers(kPassed);
  args.insert(args.end(), passed.begin(), passed.end());
  args.insert(args.end(), {"--resolve", "st.example.test:" + port + ":127.0.0.1", "--cacert",
                           cert.first, "https://st.example.test:" + port + "/echo"});
  HttpReply reply = curl(args);
  ASSERT_EQ(reply.status, 200) << reply.raw;
  nlohmann::json echo = reply.json();
  expect_no_spoofed_values(echo);
  expect_application_headers_unchanged(echo);
  EXPECT_EQ(echo_header(echo, "X-Forwarded-For"), Values{"127.0.0.1"});
  EXPECT_EQ(echo_header(echo, "X-Forwarded-Proto"), Values{"https"});
  EXPECT_EQ(echo_header(echo, "X-Forwarded-Host"), Values{"st.example.test:" + port});
  EXPECT_EQ(echo_header(echo, "$WSRA"), Values{"127.0.0.1"});
  EXPECT_EQ(echo_header(echo, "$WSIS"), Values{"true"});
  EXPECT_EQ(echo_header(echo, "$WSSC"), Values{"https"});
  EXPECT_EQ(echo_header(echo, "$WSSP"), Values{port});
  EXPECT_EQ(echo_header(echo, "$WSSN"), Values{"st.example.test"});
}

TEST_F(DataPlaneTest, HopByHopHeadersAreNotForwarded) {
  ASSERT_TRUE(start());
  RawClient client(options_.http_port);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send_all(get_request(
      "/echo", "Connection: keep-alive, X-Hop-Private\r\nX-Hop-Private: secret-ish\r\n"
               "Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\n"
               "Upgrade: websocket-nonsense\r\nX-End-To-End: stays\r\n")));
  auto response = client.read_response(5s);
  ASSERT_TRUE(response) << client.buffer();
  nlohmann::json echo = parse_raw_response(*response).json();
  for (std::string_view name : {"X-Hop-Private", "Keep-Alive", "Proxy-Connection", "TE", "Upgrade"})
    EXPECT_TRUE(echo_header(echo, name).empty()) << name << ": " << echo["headers"].dump();
  EXPECT_EQ(echo_header(echo, "X-End-To-End"), Values{"stays"});
  // The client's connection stays open for the next request.
  ASSERT_TRUE(client.send_all(get_request("/echo?second")));
  EXPECT_TRUE(client.read_response(5s));
}

} // namespace
} // namespace stgw::itest
