// Integration tests: the real stps-sim binary on a free loopback port, driven by curl and raw
// sockets.  No timing assertions beyond "it answered".
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <openssl/sha.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "loadtest/stps_sim/operations.h"
#include "test/loadtest/sim_process.h"

namespace stgw::stps_sim::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  std::string out;
  for (unsigned char b : digest) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string pattern_bytes(std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i)
    out[i] = kDownloadPattern[i % kDownloadPattern.size()];
  return out;
}

json stats(const SimProcess& sim) {
  auto r = curl({sim.url("/stats")});
  EXPECT_EQ(r.status, 200);
  return json::parse(r.body);
}

// Re-reads /stats until |pred| holds; the server notices closes asynchronously.  Bounded.
template <typename Pred> json stats_until(const SimProcess& sim, Pred pred) {
  json s = stats(sim);
  for (int i = 0; i < 500 && !pred(s); ++i) {
    std::this_thread::sleep_for(10ms);
    s = stats(sim);
  }
  return s;
}

class StpsSimTest : public ::testing::Test {
protected:
  void SetUp() override { ASSERT_TRUE(sim_.started()) << "stps-sim did not print its port"; }
  SimProcess sim_{{"--clone-id", "clone7", "--poll-hold", "200ms"}};
};

TEST_F(StpsSimTest, PrintsExactlyOneListeningLine) {
  ASSERT_EQ(sim_.listening_lines().size(), 1u);
  EXPECT_EQ(sim_.listening_lines()[0],
            "stps-sim listening on 127.0.0.1:" + std::to_string(sim_.port()));
}

TEST_F(StpsSimTest, RootServesSmallHtmlForHealthChecks) {
  auto r = curl({sim_.url("/")});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "text/html; charset=UTF-8");
  EXPECT_NE(r.body.find("<html>"), std::string::npos);
  EXPECT_EQ(r.header("x-stps-clone"), "clone7");
}

TEST_F(StpsSimTest, ConnectWithoutLtpaCookieIs401Json) {
  auto r = curl({"-X", "POST", "-b",
                 "JSESSIONID=x; MyLtpaToken=y; LtpaToken=", sim_.url("/stwebapi/user/connect")});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"error":"unauthorized","code":401})"));
  EXPECT_TRUE(r.header("set-cookie").empty());
}

TEST_F(StpsSimTest, ConnectWithLtpaToken2SetsJsessionidWithCloneId) {
  auto r = curl({"-X", "POST", "-b", "a=1; LtpaToken2=AAAA", "-H",
                 "X-Sametime-User: CN=Alice,O=Acme", sim_.url("/stwebapi/user/connect")});
  ASSERT_EQ(r.status, 200);
  auto body = json::parse(r.body);
  std::string sid = body["sid"];
  EXPECT_FALSE(sid.empty());
  EXPECT_EQ(body["user"], "CN=Alice,O=Acme");
  EXPECT_EQ(body["clone_id"], "clone7");
  EXPECT_EQ(r.header("set-cookie"), "JSESSIONID=" + sid + ":clone7; Path=/; HttpOnly");
}

TEST_F(StpsSimTest, ConnectAcceptsLtpaTokenV1AndIssuesFreshSessions) {
  auto a = curl({"-b", "LtpaToken=BBBB", sim_.url("/stwebapi/user/connect?username=bob")});
  auto b = curl({"-b", "LtpaToken=BBBB", sim_.url("/stwebapi/user/connect")});
  ASSERT_EQ(a.status, 200);
  ASSERT_EQ(b.status, 200);
  EXPECT_EQ(json::parse(a.body)["user"], "bob");
  EXPECT_TRUE(json::parse(b.body)["user"].is_null());
  EXPECT_NE(json::parse(a.body)["sid"], json::parse(b.body)["sid"]);
}

TEST_F(StpsSimTest, PollHoldsThenAnswersEmptyEvents) {
  auto r = curl({sim_.url("/stwebapi/poll?hold=0.2")});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"events":[]})"));
}

TEST_F(StpsSimTest, PollWithoutHoldUsesThePollHoldFlag) {
  auto r = curl({sim_.url("/stwebapi/poll")});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["events"], json::array());
}

TEST_F(StpsSimTest, PollRejectsBadHold) {
  EXPECT_EQ(curl({sim_.url("/stwebapi/poll?hold=abc")}).status, 400);
  EXPECT_EQ(curl({sim_.url("/stwebapi/poll?hold=99999")}).status, 400);
}

TEST_F(StpsSimTest, HeldPollsAreCountedAndCheap) {
  constexpr int kPolls = 200;
  std::vector<std::unique_ptr<RawConnection>> conns;
  for (int i = 0; i < kPolls; ++i) {
    conns.push_back(std::make_unique<RawConnection>(sim_.port()));
    ASSERT_TRUE(conns.back()->connected());
    ASSERT_TRUE(conns.back()->send_all("GET /stwebapi/poll?hold=60 HTTP/1.1\r\nHost: x\r\n\r\n"));
  }
  auto s = stats_until(sim_, [&](const json& j) { return j["held_polls"] == kPolls; });
  EXPECT_EQ(s["held_polls"], kPolls);
  EXPECT_GE(s["open_connections"].get<int>(), kPolls);
}

TEST_F(StpsSimTest, PresenceAnswersAvailable) {
  auto r = curl({sim_.url("/stwebapi/presence?user=CN%3DBob%20B")});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"user":"CN=Bob B","status":"available"})"));
  EXPECT_EQ(curl({sim_.url("/stwebapi/presence")}).status, 400);
}

TEST_F(StpsSimTest, StaticFilesCarryTheirContentTypes) {
  auto js = curl({sim_.url("/stbaseapi/baseComps.js?noHub=true")});
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.header("content-type"), "application/javascript; charset=UTF-8");
  EXPECT_FALSE(js.body.empty());
  auto css = curl({sim_.url("/stwebclient/dojo.blue/sametime/themes/WebClientAll.css")});
  EXPECT_EQ(css.header("content-type"), "text/css; charset=UTF-8");
  auto page = curl({sim_.url("/stwebclient/popup.jsp")});
  EXPECT_EQ(page.header("content-type"), "text/html; charset=UTF-8");
  auto png = curl({sim_.url("/stwebclient/images/x.png")});
  EXPECT_EQ(png.header("content-type"), "image/png");
  EXPECT_TRUE(png.body.starts_with("\x89PNG"));
  EXPECT_EQ(curl({"-X", "POST", sim_.url("/stwebclient/livenameLight.js")}).status, 405);
}

TEST_F(StpsSimTest, HeadGetsLengthButNoBody) {
  auto r = curl({"-I", sim_.url("/stbaseapi/baseComps.js")});
  EXPECT_EQ(r.status, 200);
  EXPECT_GT(std::stoi(r.header("content-length")), 0);
  EXPECT_TRUE(r.body.empty());
}

TEST_F(StpsSimTest, UnknownPathIs404Json) {
  auto r = curl({sim_.url("/nothing/here")});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["error"], "not_found");
}

TEST_F(StpsSimTest, EchoDescribesExactlyWhatArrived) {
  auto r = curl({"-X", "PATCH", "--data-binary", "hello", "-H", "X-ST-CSRF-Token: t1", "-H",
                 "x-st-csrf-token: t2", "-H", "X-Multi: a", "-H", "X-Multi: b", "-H",
                 "$WSRA: 10.0.0.1", sim_.url("/echo/sub?q=1&r=%20")});
  ASSERT_EQ(r.status, 200);
  auto e = json::parse(r.body);
  EXPECT_EQ(e["method"], "PATCH");
  EXPECT_EQ(e["target"], "/echo/sub?q=1&r=%20");
  EXPECT_EQ(e["http_version"], "1.1");
  EXPECT_EQ(e["headers"]["X-ST-CSRF-Token"], json::array({"t1"}));
  EXPECT_EQ(e["headers"]["x-st-csrf-token"], json::array({"t2"}));
  EXPECT_EQ(e["headers"]["X-Multi"], json::array({"a", "b"}));
  EXPECT_EQ(e["headers"]["$WSRA"], json::array({"10.0.0.1"}));
  EXPECT_EQ(e["body_bytes"], 5);
  EXPECT_EQ(e["body_sha256"], sha256_hex("hello"));
  EXPECT_EQ(e["clone_id"], "clone7");
  EXPECT_GT(e["connection_id"].get<int>(), 0);
}

TEST_F(StpsSimTest, EchoTakesALargeUploadWithExpectContinue) {
  std::string path = ::testing::TempDir() + "/stps_sim_upload.bin";
  std::string data = pattern_bytes(3 * 1024 * 1024 + 7);
  {
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(data.data(), 1, data.size(), f);
    std::fclose(f);
  }
  auto r = curl({"-H", "Expect: 100-continue", "--data-binary", "@" + path, sim_.url("/echo")});
  std::filesystem::remove(path);
  ASSERT_EQ(r.status, 200);
  auto e = json::parse(r.body);
  EXPECT_EQ(e["body_bytes"], data.size());
  EXPECT_EQ(e["body_sha256"], sha256_hex(data));
  EXPECT_EQ(e["headers"]["Expect"], json::array({"100-continue"}));
}

TEST_F(StpsSimTest, EchoConnectionIdIsStableOnAKeepAliveConnection) {
  RawConnection c(sim_.port());
  ASSERT_TRUE(
      c.send_all("GET /echo HTTP/1.1\r\nHost: x\r\n\r\nGET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string both = c.read_until("\"peer\"", 10s, 2);
  auto first = both.find("\"connection_id\":");
  auto second = both.find("\"connection_id\":", first + 1);
  ASSERT_NE(second, std::string::npos) << both;
  EXPECT_EQ(std::atoi(both.c_str() + first + 16), std::atoi(both.c_str() + second + 16));
}

TEST_F(StpsSimTest, DownloadSendsExactlyNPatternBytes) {
  std::string path = ::testing::TempDir() + "/stps_sim_download.bin";
  auto r = curl({"-o", path, sim_.url("/download?bytes=10485760")});
  EXPECT_EQ(r.curl_exit, 0);
  std::string got;
  {
    FILE* f = std::fopen(path.c_str(), "rb");
    ASSERT_NE(f, nullptr);
    char buf[65536];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof(buf), f)) > 0;)
      got.append(buf, n);
    std::fclose(f);
  }
  std::filesystem::remove(path);
  auto reply = parse_http_reply(got); // -i puts the head into the file too
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.header("content-length"), "10485760");
  EXPECT_EQ(reply.header("content-type"), "application/octet-stream");
  ASSERT_EQ(reply.body.size(), 10485760u);
  EXPECT_TRUE(reply.body == pattern_bytes(reply.body.size()));
}

TEST_F(StpsSimTest, DownloadOfZeroBytesAndBadSize) {
  auto r = curl({sim_.url("/download?bytes=0")});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-length"), "0");
  EXPECT_EQ(curl({sim_.url("/download?bytes=-1")}).status, 400);
  EXPECT_EQ(curl({sim_.url("/download?bytes")}).status, 400);
}

TEST_F(StpsSimTest, ClientLeavingMidDownloadLeavesServerHealthy) {
  {
    RawConnection c(sim_.port());
    ASSERT_TRUE(c.send_all("GET /download?bytes=1073741824 HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_NE(c.read_until("abcdef", 10s).find("abcdef"), std::string::npos);
  }
  auto s = stats_until(sim_, [](const json& j) { return j["open_connections"] == 1; });
  EXPECT_EQ(s["open_connections"], 1);
  EXPECT_EQ(curl({sim_.url("/")}).status, 200);
}

TEST_F(StpsSimTest, StreamSendsFirstChunkBeforeTheLast) {
  RawConnection c(sim_.port());
  ASSERT_TRUE(c.send_all("GET /stream?chunks=3&interval_ms=1000 HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string early = c.read_until("chunk 1 of 3\n", 10s);
  ASSERT_NE(early.find("Transfer-Encoding: chunked"), std::string::npos) << early;
  ASSERT_NE(early.find("chunk 1 of 3\n"), std::string::npos);
  EXPECT_EQ(early.find("chunk 3 of 3"), std::string::npos);
  std::string all = c.read_until("\r\n0\r\n\r\n", 20s);
  EXPECT_NE(all.find("chunk 2 of 3\n"), std::string::npos);
  EXPECT_NE(all.find("chunk 3 of 3\n\r\n0\r\n\r\n"), std::string::npos);
}

TEST_F(StpsSimTest, StreamViaCurlDeliversAllChunks) {
  auto r = curl({sim_.url("/stream?chunks=4&interval_ms=10")});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "chunk 1 of 4\nchunk 2 of 4\nchunk 3 of 4\nchunk 4 of 4\n");
}

TEST_F(StpsSimTest, AbortClosesShortOfTheContentLength) {
  RawConnection c(sim_.port());
  ASSERT_TRUE(c.send_all("GET /abort?after=100000 HTTP/1.1\r\nHost: x\r\n\r\n"));
  bool eof = false;
  std::string all = c.read_to_eof(20s, eof);
  ASSERT_TRUE(eof);
  auto head_end = all.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  EXPECT_NE(all.find("Content-Length: " + std::to_string(100000 + kAbortShortfall)),
            std::string::npos);
  EXPECT_EQ(all.size() - head_end - 4, 100000u);
  EXPECT_EQ(curl({sim_.url("/abort?after=10")}).curl_exit, 18); // partial file
}

TEST_F(StpsSimTest, AbortAfterZeroSendsOnlyHeaders) {
  RawConnection c(sim_.port());
  ASSERT_TRUE(c.send_all("GET /abort?after=0 HTTP/1.1\r\nHost: x\r\n\r\n"));
  bool eof = false;
  std::string all = c.read_to_eof(20s, eof);
  ASSERT_TRUE(eof);
  EXPECT_TRUE(all.starts_with("HTTP/1.1 200"));
  EXPECT_TRUE(all.ends_with("\r\n\r\n"));
}

TEST_F(StpsSimTest, StatusRepliesWithTheCode) {
  auto r = curl({sim_.url("/status?code=503")});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(json::parse(r.body)["status"], 503);
  auto empty = curl({sim_.url("/status?code=204")});
  EXPECT_EQ(empty.status, 204);
  EXPECT_TRUE(empty.body.empty());
  EXPECT_EQ(curl({sim_.url("/status?code=99")}).status, 400);
  EXPECT_EQ(curl({sim_.url("/status")}).status, 400);
}

TEST_F(StpsSimTest, SlowHeadAnswersAfterTheDelay) {
  auto r = curl({sim_.url("/slow-head?delay_ms=150")});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["delayed_ms"], 150);
}

TEST_F(StpsSimTest, StatsCountKeepAliveReuse) {
  auto before = stats(sim_);
  // One curl run with five URLs reuses one connection.
  int rc = std::system(
      ("curl -s -o /dev/null -o /dev/null -o /dev/null -o /dev/null -o /dev/null '" +
       sim_.url("/") + "' '" + sim_.url("/echo") + "' '" + sim_.url("/stwebapi/presence?user=a") +
       "' '" + sim_.url("/") + "' '" + sim_.url("/") + "'")
          .c_str());
  ASSERT_EQ(rc, 0);
  auto after = stats(sim_);
  // The /stats calls themselves each add one connection and one request.
  EXPECT_EQ(after["connections_accepted"].get<int>() - before["connections_accepted"].get<int>(),
            2);
  EXPECT_EQ(after["requests"].get<int>() - before["requests"].get<int>(), 6);
}

TEST_F(StpsSimTest, StatsTrackOpenConnections) {
  std::vector<std::unique_ptr<RawConnection>> conns;
  for (int i = 0; i < 3; ++i) {
    conns.push_back(std::make_unique<RawConnection>(sim_.port()));
    ASSERT_TRUE(conns.back()->send_all("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_NE(conns.back()->read_until("</html>", 10s).find("</html>"), std::string::npos);
  }
  EXPECT_EQ(stats(sim_)["open_connections"], 4);
  conns.clear();
  auto s = stats_until(sim_, [](const json& j) { return j["open_connections"] == 1; });
  EXPECT_EQ(s["open_connections"], 1);
}

TEST_F(StpsSimTest, SigtermExitsZeroWhilePollsAreHeld) {
  RawConnection c(sim_.port());
  ASSERT_TRUE(c.send_all("GET /stwebapi/poll?hold=600 HTTP/1.1\r\nHost: x\r\n\r\n"));
  stats_until(sim_, [](const json& j) { return j["held_polls"] == 1; });
  EXPECT_EQ(sim_.stop(SIGTERM), 0);
}

TEST(StpsSimStartTest, SigintExitsZero) {
  SimProcess sim({});
  ASSERT_TRUE(sim.started());
  EXPECT_EQ(curl({sim.url("/")}).status, 200);
  EXPECT_EQ(sim.stop(SIGINT), 0);
}

TEST(StpsSimStartTest, BadFlagsExitTwoWithAMessage) {
  auto r = run_sim({"--poll-hold", "30"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--poll-hold"), std::string::npos);
  EXPECT_EQ(run_sim({"--listen", "nowhere"}).exit_code, 2);
}

TEST(StpsSimStartTest, MissingCertificateExitsOneNamingTheFile) {
  auto r = run_sim({"--listen", "127.0.0.1:0", "--tls-cert", "/nonexistent/c.pem", "--tls-key",
                    "/nonexistent/k.pem"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("/nonexistent/c.pem"), std::string::npos);
  EXPECT_EQ(r.output.find("listening"), std::string::npos);
}

TEST(StpsSimStartTest, PortHeldByAnotherSocketExitsOne) {
  // A listener without SO_REUSEPORT cannot share its port, so stps-sim's bind must fail.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof(sin);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len), 0);
  std::string port = std::to_string(ntohs(sin.sin_port));
  auto r = run_sim({"--listen", "127.0.0.1:" + port});
  ::close(fd);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("cannot listen on 127.0.0.1:" + port), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("listening on"), std::string::npos);
}

TEST(StpsSimStartTest, SeveralListenersAndThreadsServeTheSameCounters) {
  SimProcess sim({"--threads", "2", "--listen", "127.0.0.1:0", "--listen", "[::1]:0"});
  ASSERT_TRUE(sim.started());
  ASSERT_EQ(sim.listening_lines().size(), 2u);
  std::string v6 = sim.listening_lines()[1];
  ASSERT_TRUE(v6.starts_with("stps-sim listening on [::1]:")) << v6;
  std::string v6_url = "http://" + v6.substr(std::string("stps-sim listening on ").size()) + "/";
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(curl({sim.url("/")}).status, 200);
  EXPECT_EQ(curl({"-g", v6_url}).status, 200);
  auto s = stats(sim);
  EXPECT_EQ(s["requests"], 12);
  EXPECT_EQ(s["threads"], 2);
  EXPECT_EQ(sim.stop(SIGTERM), 0);
}

TEST(StpsSimStartTest, IdleTimeoutClosesIdleConnectionsButNotHeldPolls) {
  SimProcess sim({"--idle-timeout", "200ms"});
  ASSERT_TRUE(sim.started());
  RawConnection c(sim.port());
  ASSERT_TRUE(c.send_all("GET /stwebapi/poll?hold=0.5 HTTP/1.1\r\nHost: x\r\n\r\n"));
  // The hold outlasts the idle timeout: evhttp does not read while a request is held.
  ASSERT_NE(c.read_until("{\"events\":[]}", 10s).find("{\"events\":[]}"), std::string::npos);
  bool eof = false;
  c.read_to_eof(10s, eof);
  EXPECT_TRUE(eof) << "the idle keep-alive connection should have been closed";
  EXPECT_EQ(sim.stop(SIGTERM), 0);
}

TEST(StpsSimTlsTest, ServesHttpsWithTheGivenCertificate) {
  std::string dir = ::testing::TempDir() + "/stps_sim_tls_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::string cert = dir + "/cert.pem";
  std::string key = dir + "/key.pem";
  std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
                    "-subj /CN=localhost -keyout '" +
                    key + "' -out '" + cert + "' 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  {
    SimProcess sim({"--tls-cert", cert, "--tls-key", key, "--clone-id", "tls1"});
    ASSERT_TRUE(sim.started());
    auto r = curl({"--cacert", cert, "--resolve",
                   "localhost:" + std::to_string(sim.port()) + ":127.0.0.1",
                   "https://localhost:" + std::to_string(sim.port()) + "/echo"});
    EXPECT_EQ(r.curl_exit, 0);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(json::parse(r.body)["clone_id"], "tls1");
    auto poll = curl({"-k", sim.url("/stwebapi/poll?hold=0.2", true)});
    EXPECT_EQ(poll.status, 200);
    EXPECT_EQ(curl({"-k", sim.url("/abort?after=10", true)}).curl_exit != 0, true);
    EXPECT_EQ(curl({"-k", sim.url("/", true)}).status, 200);
    EXPECT_EQ(sim.stop(SIGTERM), 0);
  }
  std::filesystem::remove_all(dir);
}

} // namespace
} // namespace stgw::stps_sim::testing
