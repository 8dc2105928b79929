// AdaptivePoll's decisions from given times: poll only after sleeps shorter than the window,
// and only within the window after the last socket event.

#include <chrono>

#include <gtest/gtest.h>

#include "gateway/net/stream.h"

namespace stgw::net {
namespace {

using namespace std::chrono_literals;
using Clock = AdaptivePoll::Clock;

class AdaptivePollTest : public ::testing::Test {
protected:
  // A pass that slept from t_ for |slept| and then handled socket events.
  void sleep_then_io(Clock::duration slept) {
    poll_.record(t_, t_ + slept, /*blocked=*/true, /*io=*/true);
    t_ += slept;
  }

  AdaptivePoll poll_{50us};
  Clock::time_point t_ = Clock::time_point{} + 1h;
};

TEST_F(AdaptivePollTest, SleepsUntilItHasSeenAShortSleep) {
  EXPECT_FALSE(poll_.poll_now(t_));
  sleep_then_io(2ms);
  EXPECT_FALSE(poll_.poll_now(t_ + 1us)); // a long sleep: polling would only have burnt CPU
}

TEST_F(AdaptivePollTest, PollsWithinTheWindowAfterAShortSleep) {
  sleep_then_io(10us);
  EXPECT_TRUE(poll_.poll_now(t_ + 1us));
  EXPECT_TRUE(poll_.poll_now(t_ + 49us));
  EXPECT_FALSE(poll_.poll_now(t_ + 50us)); // quiet for the whole window: sleep now
}

TEST_F(AdaptivePollTest, SocketEventsWhilePollingExtendTheWindow) {
  sleep_then_io(10us);
  Clock::time_point start = t_ + 40us;
  poll_.record(start, start + 5us, /*blocked=*/false, /*io=*/true);
  EXPECT_TRUE(poll_.poll_now(t_ + 80us));
  poll_.record(t_ + 80us, t_ + 81us, /*blocked=*/false, /*io=*/false); // polled, nothing came
  EXPECT_FALSE(poll_.poll_now(t_ + 95us));
}

TEST_F(AdaptivePollTest, ALongSleepTurnsPollingOff) {
  sleep_then_io(10us);
  EXPECT_TRUE(poll_.poll_now(t_ + 1us));
  t_ += 60us; // the window passed: the next pass sleeps, and long
  sleep_then_io(5ms);
  EXPECT_FALSE(poll_.poll_now(t_ + 1us));
  sleep_then_io(20us); // short again: back on
  EXPECT_TRUE(poll_.poll_now(t_ + 1us));
}

TEST_F(AdaptivePollTest, PollsOnlyAfterSocketEvents) {
  poll_.record(t_, t_ + 10us, /*blocked=*/true, /*io=*/false); // a short sleep ended by a timer
  EXPECT_FALSE(poll_.poll_now(t_ + 11us)); // no socket event yet: nothing to expect soon
  poll_.record(t_ + 11us, t_ + 12us, /*blocked=*/true, /*io=*/true);
  EXPECT_TRUE(poll_.poll_now(t_ + 13us));
}

} // namespace
} // namespace stgw::net
