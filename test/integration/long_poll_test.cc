// Long polls against route timeouts: a 35 s STPS poll passes under a 90 s route timeout, a
// backend slower than a 2 s route timeout gets 504.

#include "test/integration/fixture.h"

namespace stgw::itest {
namespace {

TEST_F(DataPlaneTest, LongPollOf35sPassesUnderA90sRouteTimeout) {
  ConfigOptions options;
  options.routes = "[[route]]\nprefix = \"/stwebapi/\"\nbackend = \"stps\"\ntimeout = \"90s\"\n"
                   "idle_timeout = \"90s\"\n";
  ASSERT_TRUE(start(options));
  auto sent = Clock::now();
  HttpReply reply = curl({url("/stwebapi/poll?hold=35")}, 60s);
  auto took = Clock::now() - sent;
  ASSERT_EQ(reply.curl_exit, 0) << reply.raw;
  EXPECT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(reply.json(), nlohmann::json::parse(R"({"events":[]})")) << reply.body;
  EXPECT_GE(took, 34s);
  EXPECT_LT(took, 45s);
}

class RouteTimeoutTest : public DataPlaneTest {
protected:
  void SetUp() override {
    ConfigOptions options;
    options.routes = "[[route]]\nprefix = \"/slow-head\"\nbackend = \"stps\"\ntimeout = \"2s\"\n\n"
                     "[[route]]\nhost = \"short.test\"\nprefix = \"/\"\nbackend = \"stps\"\n"
                     "timeout = \"2s\"\n\n"
                     "[[route]]\nprefix = \"/\"\nbackend = \"stps\"\ntimeout = \"90s\"\n";
    ASSERT_TRUE(start(options));
  }

  // The request must be cut at about 2 s with a 504 JSON reply.
  void expect_gateway_timeout(const std::vector<std::string>& curl_args) {
    auto sent = Clock::now();
    HttpReply reply = curl(curl_args);
    auto took = Clock::now() - sent;
    EXPECT_EQ(reply.status, 504) << reply.raw;
    EXPECT_EQ(reply.header("content-type"), "application/json");
    EXPECT_EQ(reply.json()["error"], "backend_timeout") << reply.body;
    EXPECT_GE(took, 1800ms);
    EXPECT_LT(took, 4500ms);
  }
};

TEST_F(RouteTimeoutTest, SlowResponseHeadBeyondTheRouteTimeoutGets504) {
  expect_gateway_timeout({url("/slow-head?delay_ms=5000")});
}

TEST_F(RouteTimeoutTest, PollLongerThanTheRouteTimeoutGets504AndOtherRoutesWait) {
  expect_gateway_timeout({"-H", "Host: short.test", url("/stwebapi/poll?hold=5")});
  // The same poll on a route with room for it is answered.
  HttpReply reply = curl({url("/stwebapi/poll?hold=3")});
  EXPECT_EQ(reply.status, 200) << reply.raw;
}

} // namespace
} // namespace stgw::itest
