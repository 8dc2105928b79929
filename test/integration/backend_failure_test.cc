// Backend failures: nothing listening (502, then 502/503), and a backend that dies in the middle
// of a response (only that client's connection closes).

#include <thread>

#include "test/integration/fixture.h"

namespace stgw::itest {
namespace {

TEST_F(DataPlaneTest, BackendDownGives502ThenJsonErrorsAndRecovers) {
  std::uint16_t backend_port = free_port();
  ConfigOptions options;
  options.backend_address = "127.0.0.1:" + std::to_string(backend_port);
  options.backend_extra = "connect_timeout = \"1s\"\n";
  ASSERT_TRUE(start_gateway(options));

  HttpReply first = curl({url("/echo")});
  EXPECT_EQ(first.status, 502) << first.raw;
  EXPECT_EQ(first.header("content-type"), "application/json");
  EXPECT_TRUE(first.json().contains("error")) << first.body;
  for (int i = 0; i < 5; ++i) {
    HttpReply reply = curl({url("/echo?again=" + std::to_string(i))});
    EXPECT_TRUE(reply.status == 502 || reply.status == 503) << reply.raw;
    EXPECT_EQ(reply.header("content-type"), "application/json");
    EXPECT_TRUE(reply.json().contains("error")) << reply.body;
  }

  // The backend comes (back) up on that port: requests pass again.
  sim_ = std::make_unique<StpsSim>(
      dir_, std::vector<std::string>{"--listen", "127.0.0.1:" + std::to_string(backend_port)});
  if (!sim_->started())
    GTEST_SKIP() << "port " << backend_port << " was taken meanwhile";
  int status = 0;
  for (auto deadline = Clock::now() + 10s; Clock::now() < deadline && status != 200;) {
    status = curl({url("/echo")}).status;
    if (status != 200)
      std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(status, 200);
}

TEST_F(DataPlaneTest, BackendDownWithHealthChecksGives503AndRecoversWhenProbesPass) {
  std::uint16_t backend_port = free_port();
  ConfigOptions options;
  options.backend_address = "127.0.0.1:" + std::to_string(backend_port);
  options.backend_extra = "health_check = { enabled = true, path = \"/\", interval = \"300ms\", "
                          "timeout = \"200ms\" }\n";
  ASSERT_TRUE(start_gateway(options));
  std::this_thread::sleep_for(700ms); // a failed probe or two
  HttpReply down = curl({url("/echo")});
  EXPECT_EQ(down.status, 503) << down.raw;
  EXPECT_EQ(down.json()["error"], "no_server") << down.body;

  sim_ = std::make_unique<StpsSim>(
      dir_, std::vector<std::string>{"--listen", "127.0.0.1:" + std::to_string(backend_port)});
  if (!sim_->started())
    GTEST_SKIP() << "port " << backend_port << " was taken meanwhile";
  auto up = Clock::now();
  int status = 0;
  while (Clock::now() - up < 5s && status != 200) {
    status = curl({url("/echo")}).status;
    if (status != 200)
      std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(status, 200);
  EXPECT_LT(Clock::now() - up, 3s) << "a probe every 300 ms should have found it";
}

TEST_F(DataPlaneTest, BackendDyingMidResponseClosesOnlyThatClient) {
  ASSERT_TRUE(start());
  // Another client's exchange in flight on the same backend pool.
  RawClient other(options_.http_port);
  ASSERT_TRUE(other.connected());
  ASSERT_TRUE(other.send_all(get_request("/stream?chunks=4&interval_ms=400")));
  other.read_until("chunk 1 of 4", 5s);
  ASSERT_NE(other.buffer().find("chunk 1 of 4"), std::string::npos) << other.buffer();

  RawClient victim(options_.http_port);
  ASSERT_TRUE(victim.connected());
  ASSERT_TRUE(victim.send_all(get_request("/abort?after=100000")));
  victim.read_until("\r\n\r\n", 5s);
  auto head_end = victim.buffer().find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << victim.buffer();
  HttpReply head = parse_raw_response(victim.buffer().substr(0, head_end + 4));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), std::to_string(100000 + 1048576));
  EXPECT_TRUE(victim.read_to_eof(5s)) << "the client connection stayed open";
  std::size_t body = victim.buffer().size() - head_end - 4;
  // Every byte the backend sent arrives, then the close tells the client it was cut short.
  EXPECT_EQ(body, 100000u);

  auto rest = other.read_response(10s);
  ASSERT_TRUE(rest) << other.buffer();
  HttpReply reply = parse_raw_response(*rest);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "chunk 1 of 4\nchunk 2 of 4\nchunk 3 of 4\nchunk 4 of 4\n");
  // The other client's connection is still good for more.
  ASSERT_TRUE(other.send_all(get_request("/echo?after-abort")));
  auto more = other.read_response(5s);
  ASSERT_TRUE(more) << other.buffer();
  EXPECT_EQ(status_of(*more), 200);
}

TEST_F(DataPlaneTest, BackendClosingBeforeAnyResponseGives502) {
  // /abort?after=0 sends only a head; a connection the backend closes without any answer is
  // the other case: a killed backend with a request in flight.
  ASSERT_TRUE(start());
  RawClient client(options_.http_port);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send_all(get_request("/slow-head?delay_ms=3000")));
  std::this_thread::sleep_for(300ms); // the request is at the backend
  sim_->process().kill_now();
  auto response = client.read_response(5s);
  ASSERT_TRUE(response) << client.buffer();
  HttpReply reply = parse_raw_response(*response);
  EXPECT_EQ(reply.status, 502) << *response;
  EXPECT_TRUE(reply.json().contains("error")) << reply.body;
}

} // namespace
} // namespace stgw::itest
