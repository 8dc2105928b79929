// Plain proxying: backend connection reuse, streamed bodies, incremental chunked responses,
// pipelining, Expect: 100-continue, bodiless responses and local 400/404 replies.

#include <atomic>
#include <fstream>
#include <iostream>
#include <thread>

#include "test/integration/fixture.h"

namespace stgw::itest {
namespace {

constexpr std::size_t kTenMb = 10u << 20;
constexpr long kRssBudgetKb = 5 * 1024;

// stps-sim's /download pattern: byte i is kPattern[i % 37].
constexpr std::string_view kPattern = "abcdefghijklmnopqrstuvwxyz0123456789\n";

std::size_t first_pattern_mismatch(std::string_view data) {
  for (std::size_t i = 0; i < data.size(); ++i)
    if (data[i] != kPattern[i % kPattern.size()])
      return i;
  return std::string_view::npos;
}

std::string sha256_hex(const std::string& path) {
  CommandResult r = run_command({"openssl", "dgst", "-sha256", "-r", path});
  return r.out.substr(0, r.out.find(' '));
}

// Samples the gateway's VmRSS every 20 ms while |work| runs; returns the highest sample.
template <class Work> long max_rss_during(Process& process, Work&& work) {
  std::atomic<bool> done = false;
  std::atomic<long> highest = process.rss_kb();
  std::thread sampler([&] {
    while (!done) {
      highest = std::max(highest.load(), process.rss_kb());
      std::this_thread::sleep_for(20ms);
    }
  });
  work();
  done = true;
  sampler.join();
  return std::max(highest.load(), process.rss_kb());
}

TEST_F(DataPlaneTest, KeepAliveReusesBackendConnections) {
  ASSERT_TRUE(start());
  long accepted_before = sim_->stats()["connections_accepted"].get<long>();
  // 200 sequential requests: 10 client connections, 20 keep-alive requests on each.
  int ok = 0;
  for (int connection = 0; connection < 10; ++connection) {
    RawClient client(options_.http_port);
    ASSERT_TRUE(client.connected());
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(client.send_all(get_request("/echo?n=" + std::to_string(i))));
      auto response = client.read_response(5s);
      ASSERT_TRUE(response) << "connection " << connection << " request " << i;
      if (status_of(*response) == 200)
        ++ok;
    }
  }
  EXPECT_EQ(ok, 200);
  nlohmann::json after = sim_->stats();
  // The later /stats call counts one connection of its own; each worker needs about one pooled
  // connection for sequential traffic.
  long backend_connections = after["connections_accepted"].get<long>() - accepted_before - 1;
  EXPECT_LE(backend_connections, 2 * options_.workers) << after.dump();
  EXPECT_GE(after["requests"].get<long>(), 200) << after.dump();
}

TEST_F(DataPlaneTest, UploadOf10MbIsStreamedWithoutBufferingInTheGateway) {
  gateway_env_ = env_for_rss_measurement();
  ASSERT_TRUE(start());
  std::string body(kTenMb, '\0');
  for (std::size_t i = 0; i < body.size(); ++i)
    body[i] = kPattern[(i * 7) % kPattern.size()];
  std::string path = dir_.write("upload.bin", body);
  body.clear();
  body.shrink_to_fit();
  // Warm up: pools, TLS-free buffers and allocator arenas exist before the baseline.
  ASSERT_EQ(curl({url("/echo"), "--data-binary", "warm-up"}).status, 200);
  Process& gw = gateway_->process();
  long rss_before = gw.rss_kb();
  HttpReply reply;
  long rss_max = max_rss_during(gw, [&] {
    // curl sends Expect: 100-continue for a body this size, so that path is covered too.
    reply = curl({url("/echo"), "-H", "Content-Type: application/octet-stream", "--data-binary",
                  "@" + path});
  });
  ASSERT_EQ(reply.status, 200) << reply.raw.substr(0, 2000);
  nlohmann::json echo = reply.json();
  EXPECT_EQ(echo["method"], "POST");
  EXPECT_EQ(echo["body_bytes"].get<std::size_t>(), kTenMb);
  EXPECT_EQ(echo["body_sha256"], sha256_hex(path));
  long rss_after = gw.rss_kb();
  std::cout << "gateway VmRSS kB: before " << rss_before << ", highest " << rss_max << ", after "
            << rss_after << "\n";
  EXPECT_LT(rss_after - rss_before, kRssBudgetKb) << "before " << rss_before << " kB";
  EXPECT_LT(rss_max - rss_before, kRssBudgetKb) << "before " << rss_before << " kB";
}

TEST_F(DataPlaneTest, DownloadOf10MbIsStreamedToASlowClient) {
  gateway_env_ = env_for_rss_measurement();
  ASSERT_TRUE(start());
  ASSERT_EQ(curl({url("/download?bytes=1000"), "-o", "/dev/null"}).status, 200);
  Process& gw = gateway_->process();
  long rss_before = gw.rss_kb();
  std::string out = dir_.file("download.bin");
  HttpReply reply;
  long rss_max = max_rss_during(gw, [&] {
    // The client reads at 8 MB/s while the backend could send far faster: only backpressure
    // keeps the gateway from holding the whole body.
    reply =
        curl({url("/download?bytes=" + std::to_string(kTenMb)), "--limit-rate", "8M", "-o", out});
  });
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(reply.header("content-length"), std::to_string(kTenMb));
  std::string data = read_file(out);
  EXPECT_EQ(data.size(), kTenMb);
  EXPECT_EQ(first_pattern_mismatch(data), std::string_view::npos);
  long rss_after = gw.rss_kb();
  std::cout << "gateway VmRSS kB: before " << rss_before << ", highest " << rss_max << ", after "
            << rss_after << "\n";
  EXPECT_LT(rss_after - rss_before, kRssBudgetKb) << "before " << rss_before << " kB";
  EXPECT_LT(rss_max - rss_before, kRssBudgetKb) << "before " << rss_before << " kB";
}

TEST_F(DataPlaneTest, ChunkedResponseReachesTheClientIncrementally) {
  ASSERT_TRUE(start());
  RawClient client(options_.http_port);
  ASSERT_TRUE(client.connected());
  auto sent = Clock::now();
  ASSERT_TRUE(client.send_all(get_request("/stream?chunks=3&interval_ms=1500")));
  client.read_until("chunk 1 of 3", 5s);
  auto first = Clock::now();
  ASSERT_NE(client.buffer().find("chunk 1 of 3"), std::string::npos) << client.buffer();
  // The backend sends chunk 2 (the last) 3 s after the request.
  EXPECT_LT(first - sent, 1s);
  EXPECT_EQ(client.buffer().find("chunk 3 of 3"), std::string::npos);
  auto response = client.read_response(10s);
  auto last = Clock::now();
  ASSERT_TRUE(response);
  EXPECT_GE(last - sent, 2500ms);
  HttpReply reply = parse_raw_response(*response);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "chunk 1 of 3\nchunk 2 of 3\nchunk 3 of 3\n");
}

TEST_F(DataPlaneTest, PipelinedRequestsAreAnsweredInOrder) {
  ASSERT_TRUE(start());
  RawClient client(options_.http_port);
  ASSERT_TRUE(client.connected());
  // The first answer is slow, the second instant: order must still be kept.
  ASSERT_TRUE(client.send_all(get_request("/slow-head?delay_ms=300") + get_request("/echo?n=2") +
                              get_request("/echo?n=3")));
  auto first = client.read_response(5s);
  auto second = client.read_response(5s);
  auto third = client.read_response(5s);
  ASSERT_TRUE(first && second && third) << client.buffer();
  EXPECT_EQ(parse_raw_response(*first).json()["delayed_ms"], 300) << *first;
  EXPECT_EQ(parse_raw_response(*second).json()["target"], "/echo?n=2") << *second;
  EXPECT_EQ(parse_raw_response(*third).json()["target"], "/echo?n=3") << *third;
  // Same connection, still usable.
  ASSERT_TRUE(client.send_all(get_request("/echo?n=4")));
  auto fourth = client.read_response(5s);
  ASSERT_TRUE(fourth);
  EXPECT_EQ(parse_raw_response(*fourth).json()["target"], "/echo?n=4");
}

TEST_F(DataPlaneTest, ExpectContinueGets100ThenTheFinalResponse) {
  ASSERT_TRUE(start());
  RawClient client(options_.http_port);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send_all("POST /echo HTTP/1.1\r\nHost: gw.test\r\nContent-Length: 5\r\n"
                              "Expect: 100-continue\r\n\r\n"));
  // The client holds the body back until it sees 100 Continue.
  auto interim = client.read_response(5s);
  ASSERT_TRUE(interim) << client.buffer();
  EXPECT_TRUE(interim->starts_with("HTTP/1.1 100 Continue\r\n")) << *interim;
  ASSERT_TRUE(client.send_all("hello"));
  auto final_response = client.read_response(5s);
  ASSERT_TRUE(final_response) << client.buffer();
  HttpReply reply = parse_raw_response(*final_response);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.json()["body_bytes"], 5);
  // No second 100 Continue (from the backend) leaks through.
  EXPECT_TRUE(client.buffer().empty()) << client.buffer();
}

TEST_F(DataPlaneTest, HeadGetsHeadersWithoutABody) {
  ASSERT_TRUE(start());
  RawClient client(options_.http_port);
  ASSERT_TRUE(client.connected());
  // (Not /download: stps-sim answers HEAD there with two differing Content-Length headers,
  // which the gateway rightly refuses as a malformed response.)
  HttpReply get = curl({url("/stbaseapi/baseComps.js")});
  ASSERT_EQ(get.status, 200) << get.raw;
  ASSERT_FALSE(get.body.empty());
  ASSERT_TRUE(client.send_all("HEAD /stbaseapi/baseComps.js HTTP/1.1\r\nHost: gw.test\r\n\r\n"));
  auto head = client.read_response(5s, /*head_request=*/true);
  ASSERT_TRUE(head) << client.buffer();
  HttpReply reply = parse_raw_response(*head);
  EXPECT_EQ(reply.status, 200) << *head;
  EXPECT_EQ(reply.header("content-length"), std::to_string(get.body.size())) << *head;
  EXPECT_TRUE(reply.body.empty());
  // No body bytes follow: the next response on the connection starts cleanly.
  ASSERT_TRUE(client.send_all(get_request("/echo?after=head")));
  auto next = client.read_response(5s);
  ASSERT_TRUE(next) << client.buffer();
  EXPECT_TRUE(next->starts_with("HTTP/1.1 200")) << *next;
  EXPECT_EQ(parse_raw_response(*next).json()["target"], "/echo?after=head");
}

TEST_F(DataPlaneTest, NoContentAndNotModifiedPassWithoutBodies) {
  ASSERT_TRUE(start());
  RawClient client(options_.http_port);
  ASSERT_TRUE(client.connected());
  for (int code : {204, 304}) {
    ASSERT_TRUE(client.send_all(get_request("/status?code=" + std::to_string(code))));
    auto response = client.read_response(5s);
    ASSERT_TRUE(response) << code << ": " << client.buffer();
    HttpReply reply = parse_raw_response(*response);
    EXPECT_EQ(reply.status, code);
    EXPECT_TRUE(reply.body.empty());
    EXPECT_EQ(reply.header("transfer-encoding"), "") << *response;
    // Nothing after the head: the next request's response comes first.
    ASSERT_TRUE(client.send_all(get_request("/echo?after=" + std::to_string(code))));
    auto next = client.read_response(5s);
    ASSERT_TRUE(next) << client.buffer();
    EXPECT_TRUE(next->starts_with("HTTP/1.1 200")) << *next;
  }
}

TEST_F(DataPlaneTest, UnmatchedPathGets404Json) {
  ConfigOptions options;
  options.routes = "[[route]]\nprefix = \"/stwebapi/\"\nbackend = \"stps\"\n";
  ASSERT_TRUE(start(options));
  HttpReply reply = curl({url("/elsewhere/page")});
  EXPECT_EQ(reply.status, 404) << reply.raw;
  EXPECT_EQ(reply.header("content-type"), "application/json");
  EXPECT_EQ(reply.json()["error"], "no_route") << reply.body;
  EXPECT_EQ(curl({url("/stwebapi/presence?user=a")}).status, 200);
}

TEST_F(DataPlaneTest, DotSegmentsInThePathGet400) {
  ASSERT_TRUE(start());
  for (std::string target : {"/x/../echo", "/x/%2e%2e/echo", "/x/%2E%2E/echo", "/x/./echo",
                             "/x/..;/echo", "/x%2F..%2Fecho"}) {
    RawClient client(options_.http_port);
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.send_all(get_request(target)));
    auto response = client.read_response(5s);
    ASSERT_TRUE(response) << target;
    HttpReply reply = parse_raw_response(*response);
    EXPECT_EQ(reply.status, 400) << target << "\n" << *response;
    EXPECT_EQ(reply.json()["error"], "bad_path") << target << "\n" << *response;
  }
}

} // namespace
} // namespace stgw::itest
