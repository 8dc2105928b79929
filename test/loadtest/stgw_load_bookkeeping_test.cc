#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "loadtest/load/clients.h"
#include "loadtest/load/run_setup.h"
#include "loadtest/load/schedule.h"
#include "loadtest/load/stats.h"

namespace stgw::load {
namespace {

TEST(PollBookTest, CountsConnectedAndParkedUsers) {
  SharedGauge gauge;
  LiveCounters live;
  PollBook book(3, gauge, live);
  book.connected(0);
  book.connected(1);
  book.connected(1); // repeated reports count once
  book.parked(0);
  book.parked(0);
  book.parked(1);
  EXPECT_EQ(book.connected_now(), 2);
  EXPECT_EQ(book.parked_now(), 2);
  EXPECT_EQ(gauge.now(), 2);
  EXPECT_EQ(gauge.max(), 2);
  EXPECT_EQ(live.users_connected.load(), 2);

  EXPECT_EQ(book.users_ever_parked(), 0); // nothing answered or finished yet
  book.answered(0, true);
  EXPECT_EQ(book.parked_now(), 1);
  EXPECT_EQ(book.polls_answered(), 1u);
  EXPECT_EQ(book.users_ever_parked(), 1);
  book.parked(0);       // re-issued
  book.disconnected(1); // its parked poll is lost with the connection
  EXPECT_EQ(book.parked_now(), 1);
  EXPECT_EQ(book.connected_now(), 1);
  book.disconnected(1);
  EXPECT_EQ(book.connected_now(), 1);
  book.finish();
  EXPECT_EQ(book.users_ever_parked(), 1); // user 1 lost its poll, user 2 never parked
  EXPECT_EQ(gauge.now(), 1);
  EXPECT_EQ(gauge.max(), 2);
  EXPECT_EQ(live.users_connected.load(), 1);
}

TEST(PollBookTest, AnsweredWithoutParkingCountsTheAnswerOnly) {
  SharedGauge gauge;
  LiveCounters live;
  PollBook book(1, gauge, live);
  book.answered(0, true);
  EXPECT_EQ(book.parked_now(), 0);
  EXPECT_EQ(book.polls_answered(), 1u);
  EXPECT_EQ(book.users_ever_parked(), 0);
  EXPECT_EQ(gauge.now(), 0);
}

TEST(PollBookTest, RefusedPollsDoNotCountAsParked) {
  SharedGauge gauge;
  LiveCounters live;
  PollBook book(2, gauge, live);
  book.parked(0);
  book.answered(0, false); // 401 at once
  book.parked(1);
  book.answered(1, false);
  EXPECT_EQ(book.users_ever_parked(), 0);
  book.parked(1); // retried, and still parked when the run ends
  book.finish();
  EXPECT_EQ(book.users_ever_parked(), 1);
  EXPECT_EQ(book.parked_now(), 1);
  EXPECT_EQ(gauge.max(), 1);
}

TEST(SharedGaugeTest, KeepsTheMaximumAcrossThreads) {
  SharedGauge gauge;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&gauge] {
      for (int i = 0; i < 10000; ++i) {
        gauge.add(1);
        gauge.add(-1);
      }
      gauge.add(1);
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(gauge.now(), 4);
  EXPECT_GE(gauge.max(), 4);
  EXPECT_LE(gauge.max(), 8);
}

TEST(TallyTest, MergesAndCountsStatusErrors) {
  Tally a, b;
  a.count_status(200);
  a.count_status(401);
  a.count_error(ErrorKind::Connect);
  a.latency.record(1000);
  a.requests = 2;
  b.count_status(503);
  b.count_status(503);
  b.count_status(700); // out of range: ignored
  b.count_error(ErrorKind::Timeout);
  b.latency.record(3000);
  b.requests = 2;
  b.users = 5;
  a.merge(b);
  EXPECT_EQ(a.requests, 4u);
  EXPECT_EQ(a.statuses[503], 2u);
  EXPECT_EQ(a.status_errors(), 3u);
  EXPECT_EQ(a.total_errors(), 5u);
  EXPECT_EQ(a.latency.count(), 2u);
  EXPECT_EQ(a.users, 5);
}

TEST(ErrorKindTest, EveryKindHasAName) {
  for (int k = 0; k < kErrorKinds; ++k)
    EXPECT_NE(to_string(static_cast<ErrorKind>(k)), "?");
  EXPECT_EQ(to_string(ErrorKind::TlsTimeout), "tls_timeout");
}

TEST(ScheduleTest, SharesAddUpAndDifferByOne) {
  for (std::uint64_t total : {0u, 1u, 7u, 100u, 10001u}) {
    for (int parts : {1, 2, 3, 8}) {
      std::uint64_t sum = 0;
      for (int i = 0; i < parts; ++i) {
        EXPECT_EQ(first_of(total, parts, i), sum);
        std::uint64_t s = share_of(total, parts, i);
        EXPECT_LE(s, total / parts + 1);
        EXPECT_GE(s, total / parts);
        sum += s;
      }
      EXPECT_EQ(sum, total);
    }
  }
  EXPECT_EQ(share_of(10, 0, 0), 0u);
  EXPECT_EQ(share_of(10, 2, 5), 0u);
}

TEST(ScheduleTest, PacerSpacesRequestsAndOffsetsSlots) {
  Pacer idle;
  EXPECT_FALSE(idle.active());
  Pacer p(1'000'000'000, 100.0, 0, 4); // 100/s: every 10 ms
  ASSERT_TRUE(p.active());
  EXPECT_EQ(p.interval(), 10'000'000);
  EXPECT_EQ(p.due(), 1'000'000'000);
  p.advance();
  p.advance();
  EXPECT_EQ(p.due(), 1'020'000'000);
  Pacer third(1'000'000'000, 100.0, 2, 4);
  EXPECT_EQ(third.due(), 1'005'000'000); // half an interval later
  EXPECT_FALSE(Pacer(0, 0.0, 0, 1).active());
}

TEST(ScheduleTest, RampSpreadsStartsOverTheWindow) {
  EXPECT_EQ(ramp_offset(0, 5, 10), 0);
  EXPECT_EQ(ramp_offset(1'000'000'000, 0, 10), 0);
  EXPECT_EQ(ramp_offset(1'000'000'000, 5, 10), 500'000'000);
  EXPECT_LT(ramp_offset(1'000'000'000, 9, 10), 1'000'000'000);
  EXPECT_EQ(ramp_offset(1'000'000'000, 0, 1), 0);
}

TEST(RequestTest, PreparedRequestCarriesHostCookieAndHeaders) {
  Options o;
  o.url.host_header = "127.0.0.1:8443";
  o.headers = {"X-Test: 1"};
  std::string r = build_request(o, "/stwebapi/poll", "LtpaToken2=abc");
  EXPECT_EQ(r, "GET /stwebapi/poll HTTP/1.1\r\nHost: 127.0.0.1:8443\r\nUser-Agent: stgw-load\r\n"
               "Cookie: LtpaToken2=abc\r\nX-Test: 1\r\n\r\n");
  std::string bare = build_request(o, "/", "");
  EXPECT_EQ(bare.find("Cookie"), std::string::npos);
}

TEST(RequestTest, CookiesAreHandedOutRoundRobin) {
  RunSetup setup;
  EXPECT_EQ(setup.cookie_for(3), "");
  setup.cookies = {"a=1", "a=2"};
  EXPECT_EQ(setup.cookie_for(0), "a=1");
  EXPECT_EQ(setup.cookie_for(3), "a=2");
  EXPECT_EQ(user_name("loaduser", 0), "loaduser1");
}

} // namespace
} // namespace stgw::load
