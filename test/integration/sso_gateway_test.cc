// LTPA single sign-on through the real gateway (issue 3, "Integration"): keys and tokens come
// from the real `stgw keys generate` / `stgw token mint`, stps-sim's /echo shows what the
// backend received, and every refusal is checked as the client sees it.

#include <ctime>

#include "test/integration/ops_support.h"

namespace stgw::itest {
namespace {

using Values = std::vector<std::string>;

constexpr char kRealm[] = "defaultWIMFileBasedRealm";
constexpr char kUser[] = "uid=jdoe,ou=people,o=example";
constexpr char kOtherUser[] = "uid=asmith,ou=people,o=example";
constexpr char kNotesUser[] = "CN=Jane Doe/O=Example";
constexpr char kLoginUrl[] = "https://login.example.test/names.nsf?Login";

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The token with one base64 character in the middle replaced by another valid one.
std::string tampered(std::string token) {
  std::size_t mid = token.size() / 2;
  while (mid < token.size() && token[mid] == '=')
    --mid;
  token[mid] = token[mid] == 'A' ? 'B' : 'A';
  return token;
}

// Routes: /echo needs a token (401), /echo-optional validates when present, /echo-open never
// looks, and everything else needs a token and sends page navigations to the login page.
class SsoGatewayTest : public OpsTestBase {
protected:
  void SetUp() override {
    keys_ = generate_ltpa_keys(dir_, "ltpa", kRealm);
    other_keys_ = generate_ltpa_keys(dir_, "other", kRealm);
    domino_secret_ = write_domino_secret(dir_, "domino");
    ASSERT_FALSE(keys_.keys_file.empty());
    ASSERT_FALSE(other_keys_.keys_file.empty());
    ASSERT_TRUE(start_sim());
    OpsConfig config;
    config.sso =
        sso_section(keys_, domino_secret_, std::string("login_url = \"") + kLoginUrl + "\"");
    config.routes = route("/echo", "auth = \"required\"") +
                    route("/echo-optional", "auth = \"optional\"") +
                    route("/echo-open", "auth = \"none\"") +
                    route("/", "auth = \"required\"\non_unauthenticated = \"redirect\"");
    ASSERT_TRUE(start_gateway(config));
  }

  // curl |path| with |args| before the URL.
  HttpReply get(std::string_view path, std::vector<std::string> args = {}) {
    args.push_back(url(path));
    return curl(args);
  }

  static std::vector<std::string> cookie(const std::string& name, const std::string& value) {
    return {"-H", "Cookie: " + name + "=" + value};
  }

  // A 401 JSON reply with |reason| that does not echo the token back.
  static void expect_unauthenticated(const HttpReply& reply, std::string_view reason,
                                     const std::string& token = {}) {
    EXPECT_EQ(reply.status, 401) << reply.raw;
    EXPECT_EQ(reply.header("content-type"), "application/json") << reply.raw;
    nlohmann::json body = reply.json();
    ASSERT_TRUE(body.is_object()) << reply.body;
    EXPECT_EQ(body["error"], "unauthenticated") << reply.body;
    EXPECT_EQ(body["status"], 401) << reply.body;
    EXPECT_EQ(body["reason"], reason) << reply.body;
    EXPECT_TRUE(reply.header("location").empty()) << reply.raw;
    if (!token.empty()) {
      EXPECT_EQ(reply.raw.find(token), std::string::npos) << "the reply echoes the token";
    }
  }

  LtpaKeys keys_;
  LtpaKeys other_keys_;
  std::string domino_secret_;
};

TEST_F(SsoGatewayTest, ValidLtpaToken2ReachesTheBackendWithTheIdentityHeader) {
  std::string token = mint_ltpa(keys_, kUser, "ltpa2");
  ASSERT_FALSE(token.empty());
  HttpReply reply = get("/echo", cookie("LtpaToken2", token));
  ASSERT_EQ(reply.status, 200) << reply.raw;
  nlohmann::json echo = reply.json();
  EXPECT_EQ(echo_header(echo, "X-Sametime-User"), Values{kUser}) << echo.dump();
  // The gateway validates; it does not replace: STPS gets the cookie as sent.
  EXPECT_EQ(echo_header(echo, "Cookie"), Values{"LtpaToken2=" + token});
  // A repeat (a cache hit inside the gateway) is answered the same way.
  HttpReply again = get("/echo", cookie("LtpaToken2", token));
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(echo_header(again.json(), "X-Sametime-User"), Values{kUser});
}

TEST_F(SsoGatewayTest, ValidWebSphereLtpaTokenV1IsAccepted) {
  std::string token = mint_ltpa(keys_, kUser, "ltpa1");
  ASSERT_FALSE(token.empty());
  HttpReply reply = get("/echo", cookie("LtpaToken", token));
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(echo_header(reply.json(), "X-Sametime-User"), Values{kUser});
}

TEST_F(SsoGatewayTest, ValidDominoTokenIsAccepted) {
  std::string token = mint_domino(domino_secret_, kNotesUser);
  ASSERT_FALSE(token.empty());
  HttpReply reply = get("/echo", cookie("LtpaToken", token));
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(echo_header(reply.json(), "X-Sametime-User"), Values{kNotesUser});
}

TEST_F(SsoGatewayTest, ExpiredTokenGets401Expired) {
  // Issued three hours ago for one hour.
  std::string issued = std::to_string(std::time(nullptr) - 3 * 3600);
  std::string ltpa2 = mint_ltpa(keys_, kUser, "ltpa2", {"--at", issued, "--ttl", "1h"});
  std::string ltpa1 = mint_ltpa(keys_, kUser, "ltpa1", {"--at", issued, "--ttl", "1h"});
  std::string domino = mint_domino(domino_secret_, kNotesUser, {"--at", issued, "--ttl", "1h"});
  ASSERT_FALSE(ltpa2.empty() || ltpa1.empty() || domino.empty());
  expect_unauthenticated(get("/echo", cookie("LtpaToken2", ltpa2)), "expired", ltpa2);
  expect_unauthenticated(get("/echo", cookie("LtpaToken", ltpa1)), "expired", ltpa1);
  expect_unauthenticated(get("/echo", cookie("LtpaToken", domino)), "expired", domino);
}

TEST_F(SsoGatewayTest, TamperedTokenGets401Invalid) {
  std::string ltpa2 = tampered(mint_ltpa(keys_, kUser, "ltpa2"));
  std::string domino = tampered(mint_domino(domino_secret_, kNotesUser));
  expect_unauthenticated(get("/echo", cookie("LtpaToken2", ltpa2)), "invalid", ltpa2);
  expect_unauthenticated(get("/echo", cookie("LtpaToken", domino)), "invalid", domino);
}

TEST_F(SsoGatewayTest, TokenMintedWithAnotherKeySetGets401Invalid) {
  std::string ltpa2 = mint_ltpa(other_keys_, kUser, "ltpa2");
  std::string ltpa1 = mint_ltpa(other_keys_, kUser, "ltpa1");
  ASSERT_FALSE(ltpa2.empty() || ltpa1.empty());
  expect_unauthenticated(get("/echo", cookie("LtpaToken2", ltpa2)), "invalid", ltpa2);
  expect_unauthenticated(get("/echo", cookie("LtpaToken", ltpa1)), "invalid", ltpa1);
}

TEST_F(SsoGatewayTest, MissingTokenGets401Missing) {
  expect_unauthenticated(get("/echo"), "missing");
  // Other cookies are not a token.
  expect_unauthenticated(get("/echo", cookie("JSESSIONID", "0000abc:stps01")), "missing");
}

TEST_F(SsoGatewayTest, PageNavigationOnARedirectRouteGoesToTheLoginUrlWithTheOriginalUrl) {
  std::string original = url("/stwebclient/index.html?lang=en");
  HttpReply reply = curl({"-H", "Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "-H",
                          "Sec-Fetch-Mode: navigate", original});
  ASSERT_EQ(reply.status, 302) << reply.raw;
  std::string location = reply.header("location");
  std::string prefix = std::string(kLoginUrl) + "&redirect=";
  ASSERT_TRUE(location.starts_with(prefix)) << location;
  EXPECT_EQ(percent_decode(location.substr(prefix.size())), original) << location;
  // With a valid token the same navigation is served.
  std::string token = mint_ltpa(keys_, kUser, "ltpa2");
  HttpReply served =
      curl({"-H", "Accept: text/html", "-H", "Cookie: LtpaToken2=" + token, original});
  EXPECT_EQ(served.status, 200) << served.raw;
}

TEST_F(SsoGatewayTest, XhrAndJsonCallsOnARedirectRouteGet401) {
  std::string page = url("/stwebclient/index.html");
  expect_unauthenticated(
      curl({"-H", "Accept: text/html", "-H", "X-Requested-With: XMLHttpRequest", page}), "missing");
  expect_unauthenticated(curl({"-H", "Accept: application/json", page}), "missing");
  expect_unauthenticated(curl({"-H", "Accept: text/html", "-H", "Sec-Fetch-Mode: cors", page}),
                         "missing");
  expect_unauthenticated(curl({"-X", "POST", "-H", "Accept: text/html", "-d", "x=1", page}),
                         "missing");
  // An invalid token keeps its reason on the redirect route too.
  std::string bad = tampered(mint_ltpa(keys_, kUser, "ltpa2"));
  expect_unauthenticated(
      curl({"-H", "Accept: application/json", "-H", "Cookie: LtpaToken2=" + bad, page}), "invalid",
      bad);
}

TEST_F(SsoGatewayTest, LongPollIsNeverRedirectedEvenWhenItLooksLikeANavigation) {
  for (std::string path :
       {"/stwebapi/RTCServlet/sid-42/events?format=json", "/RTCServlet?format=json"}) {
    SCOPED_TRACE(path);
    HttpReply reply =
        curl({"-H", "Accept: text/html,*/*", "-H", "Sec-Fetch-Mode: navigate", url(path)});
    expect_unauthenticated(reply, "missing");
  }
}

TEST_F(SsoGatewayTest, SpoofedIdentityHeaderNeverReachesTheBackend) {
  std::vector<std::string> spoof = {"-H", "X-Sametime-User: uid=admin,o=evil", "-H",
                                    "x-sametime-user: uid=root,o=evil"};
  auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> args = spoof;
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  auto expect_no_spoof = [](const HttpReply& reply, const Values& expected) {
    ASSERT_EQ(reply.status, 200) << reply.raw;
    nlohmann::json echo = reply.json();
    EXPECT_EQ(echo_header(echo, "X-Sametime-User"), expected) << echo.dump();
    EXPECT_EQ(echo["headers"].dump().find("evil"), std::string::npos) << echo.dump();
  };
  // Without a token: on a route that never authenticates and on an optional one.
  expect_no_spoof(get("/echo-open", spoof), Values{});
  expect_no_spoof(get("/echo-optional", spoof), Values{});
  // With a valid token: only the verified identity, once.
  std::string token = mint_ltpa(keys_, kUser, "ltpa2");
  expect_no_spoof(get("/echo", with(cookie("LtpaToken2", token))), Values{kUser});
  expect_no_spoof(get("/echo-optional", with(cookie("LtpaToken2", token))), Values{kUser});
  // With a bad token on the optional route: forwarded, but still without any identity.
  expect_no_spoof(get("/echo-optional", with(cookie("LtpaToken2", tampered(token)))), Values{});
}

TEST_F(SsoGatewayTest, BothCookiesPresentLtpaToken2IsUsed) {
  std::string ltpa2 = mint_ltpa(keys_, kUser, "ltpa2");
  std::string domino = mint_domino(domino_secret_, kNotesUser);
  std::string ltpa1 = mint_ltpa(keys_, kOtherUser, "ltpa1");
  ASSERT_FALSE(ltpa2.empty() || domino.empty() || ltpa1.empty());
  for (const std::string& cookies : {"LtpaToken=" + domino + "; LtpaToken2=" + ltpa2,
                                     "LtpaToken2=" + ltpa2 + "; LtpaToken=" + domino,
                                     "LtpaToken=" + ltpa1 + "; LtpaToken2=" + ltpa2,
                                     "LtpaToken=" + tampered(domino) + "; LtpaToken2=" + ltpa2}) {
    SCOPED_TRACE(cookies);
    HttpReply reply = get("/echo", {"-H", "Cookie: " + cookies});
    ASSERT_EQ(reply.status, 200) << reply.raw;
    nlohmann::json echo = reply.json();
    EXPECT_EQ(echo_header(echo, "X-Sametime-User"), Values{kUser});
    EXPECT_EQ(echo_header(echo, "Cookie"), Values{cookies});
  }
}

} // namespace
} // namespace stgw::itest
