// SIGTERM drain: in-flight exchanges finish, parked polls are answered at once, exit code 0.

#include <signal.h>

#include <thread>

#include "test/integration/fixture.h"

namespace stgw::itest {
namespace {

constexpr std::size_t kDownloadBytes = 32u << 20;

TEST_F(DataPlaneTest, SigtermFinishesDownloadsAnswersParkedPollsAndExitsZero) {
  ConfigOptions options;
  options.routes = "[[route]]\nprefix = \"/\"\nbackend = \"stps\"\ntimeout = \"90s\"\n";
  ASSERT_TRUE(start(options));

  // A download the client has stopped reading: socket buffers fill and the exchange stays in
  // flight for as long as the client waits.
  RawClient download(options_.http_port);
  ASSERT_TRUE(download.connected());
  ASSERT_TRUE(download.send_all(get_request("/download?bytes=" + std::to_string(kDownloadBytes))));
  download.read_at_least(1 << 20, 5s);
  auto head_end = download.buffer().find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  ASSERT_EQ(status_of(download.buffer()), 200);

  RawClient poll(options_.http_port);
  ASSERT_TRUE(poll.connected());
  ASSERT_TRUE(poll.send_all(get_request("/stwebapi/poll?hold=30")));
  bool held = false;
  for (auto deadline = Clock::now() + 5s; Clock::now() < deadline && !held;) {
    held = sim_->stats()["held_polls"].get<int>() == 1;
    if (!held)
      std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(held) << "the poll never reached the backend";
  std::this_thread::sleep_for(100ms); // past the request write: parked at the gateway

  gateway_->process().send_signal(SIGTERM);
  auto signalled = Clock::now();

  auto answer = poll.read_response(5s);
  auto answered_after = Clock::now() - signalled;
  ASSERT_TRUE(answer) << "parked poll not answered: " << poll.buffer();
  EXPECT_LT(answered_after, 3s);
  int status = status_of(*answer);
  EXPECT_TRUE(status == 503 || status == 200) << *answer;

  // The drain waits for the download: stgw is still there.
  auto early = gateway_->process().wait_exit(0ms);
  ASSERT_FALSE(early.has_value()) << "stgw exited (" << *early << ") with a download unfinished";

  // Nothing new is accepted while draining.
  RawClient late(options_.http_port);
  if (late.connected() && late.send_all(get_request("/echo?late"))) {
    auto late_response = late.read_response(2s);
    EXPECT_TRUE(!late_response || status_of(*late_response) != 200) << *late_response;
  }

  // The download completes in full although the gateway is draining.
  download.read_at_least(head_end + 4 + kDownloadBytes, 20s);
  EXPECT_EQ(download.buffer().size(), head_end + 4 + kDownloadBytes);

  auto exit_code = gateway_->process().wait_exit(10s);
  ASSERT_TRUE(exit_code.has_value()) << "stgw did not exit after the drain";
  EXPECT_EQ(*exit_code, 0) << gateway_->log();
}

TEST_F(DataPlaneTest, SigtermWithNothingInFlightExitsZeroPromptly) {
  ASSERT_TRUE(start());
  ASSERT_EQ(curl({url("/echo")}).status, 200);
  // An idle keep-alive client does not hold the drain up.
  RawClient idle(options_.http_port);
  ASSERT_TRUE(idle.connected());
  ASSERT_TRUE(idle.send_all(get_request("/echo")));
  ASSERT_TRUE(idle.read_response(5s));
  auto signalled = Clock::now();
  gateway_->process().send_signal(SIGTERM);
  auto exit_code = gateway_->process().wait_exit(10s);
  ASSERT_TRUE(exit_code.has_value());
  EXPECT_EQ(*exit_code, 0) << gateway_->log();
  EXPECT_LT(Clock::now() - signalled, 3s);
  EXPECT_TRUE(idle.read_to_eof(2s));
}

} // namespace
} // namespace stgw::itest
