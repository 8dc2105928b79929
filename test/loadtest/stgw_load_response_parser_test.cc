#include <gtest/gtest.h>

#include <string>

#include "loadtest/load/response_parser.h"

namespace stgw::load {
namespace {

using State = ResponseParser::State;

// Feeds |bytes| in pieces of |step| bytes (0 = all at once) until the parser stops.
struct FeedResult {
  State state;
  std::size_t used;
};
FeedResult feed_in_steps(ResponseParser& p, std::string_view bytes, std::size_t step = 0) {
  std::size_t used = 0;
  while (used < bytes.size() && (p.state() == State::Head || p.state() == State::Body)) {
    std::size_t n = step == 0 ? bytes.size() - used : std::min(step, bytes.size() - used);
    used += p.feed(bytes.substr(used, n));
  }
  return {p.state(), used};
}

const std::string kLength = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
                            "\r\nhello";
const std::string kChunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n";

TEST(ResponseParserTest, ContentLengthBodyEndsTheResponse) {
  ResponseParser p;
  auto r = feed_in_steps(p, kLength + "EXTRA");
  EXPECT_EQ(r.state, State::Complete);
  EXPECT_EQ(r.used, kLength.size()); // stops right after the body
  EXPECT_EQ(p.info().status, 200);
  EXPECT_TRUE(p.info().keep_alive);
  EXPECT_EQ(p.info().body_bytes, 5u);
}

TEST(ResponseParserTest, ChunkedBodyWithExtensionsAndTrailers) {
  ResponseParser p;
  auto r = feed_in_steps(p, kChunked + "NEXT");
  EXPECT_EQ(r.state, State::Complete);
  EXPECT_EQ(r.used, kChunked.size());
  EXPECT_EQ(p.info().body_bytes, 15u);
}

TEST(ResponseParserTest, EverySplitPointGivesTheSameResult) {
  for (const std::string& message : {kLength, kChunked}) {
    for (std::size_t step = 1; step <= message.size(); ++step) {
      ResponseParser p;
      auto r = feed_in_steps(p, message, step);
      ASSERT_EQ(r.state, State::Complete) << "step " << step;
      ASSERT_EQ(r.used, message.size()) << "step " << step;
      ASSERT_EQ(p.info().status, 200);
    }
  }
}

TEST(ResponseParserTest, InterimContinueIsSkipped) {
  ResponseParser p;
  std::string bytes =
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
  auto r = feed_in_steps(p, bytes, 7);
  EXPECT_EQ(r.state, State::Complete);
  EXPECT_EQ(p.info().status, 201);
}

TEST(ResponseParserTest, NoBodyFor204And304AndHead) {
  for (std::string status : {"204 No Content", "304 Not Modified"}) {
    ResponseParser p;
    auto r = feed_in_steps(p, "HTTP/1.1 " + status + "\r\nContent-Length: 10\r\n\r\n");
    EXPECT_EQ(r.state, State::Complete) << status;
    EXPECT_EQ(p.info().body_bytes, 0u);
  }
  ResponseParser head;
  head.expect_no_body();
  EXPECT_EQ(feed_in_steps(head, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n").state,
            State::Complete);
}

TEST(ResponseParserTest, ConnectionHeaderDecidesKeepAlive) {
  ResponseParser close;
  feed_in_steps(close, "HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n");
  EXPECT_FALSE(close.info().keep_alive);
  ResponseParser old;
  feed_in_steps(old, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_FALSE(old.info().keep_alive);
  ResponseParser old_keep;
  feed_in_steps(old_keep, "HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n");
  EXPECT_TRUE(old_keep.info().keep_alive);
}

TEST(ResponseParserTest, BodyUntilCloseCompletesOnEof) {
  ResponseParser p;
  auto r = feed_in_steps(p, "HTTP/1.1 200 OK\r\n\r\nsome bytes");
  EXPECT_EQ(r.state, State::Body);
  EXPECT_EQ(p.on_eof(), State::Complete);
  EXPECT_EQ(p.info().body_bytes, 10u);
  EXPECT_FALSE(p.info().keep_alive);
}

TEST(ResponseParserTest, EofInsideALengthBodyIsNotComplete) {
  ResponseParser p;
  feed_in_steps(p, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc");
  EXPECT_EQ(p.on_eof(), State::Body);
  EXPECT_TRUE(p.started());
}

TEST(ResponseParserTest, ResetPreparesTheNextResponse) {
  ResponseParser p;
  feed_in_steps(p, kLength);
  p.reset();
  EXPECT_FALSE(p.started());
  auto r = feed_in_steps(p, "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(r.state, State::Complete);
  EXPECT_EQ(p.info().status, 404);
}

TEST(ResponseParserTest, RefusesBadStatusLines) {
  for (std::string bad : {"HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", "hello\r\n\r\n",
                          "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 20\r\n\r\n"}) {
    ResponseParser p;
    EXPECT_EQ(feed_in_steps(p, bad).state, State::Error) << bad;
    EXPECT_EQ(p.error(), ParseErrc::BadStatusLine) << bad;
  }
}

TEST(ResponseParserTest, RefusesConflictingOrBadContentLength) {
  for (std::string bad : {"Content-Length: 5\r\nContent-Length: 6\r\n", "Content-Length: -1\r\n",
                          "Content-Length: 1x\r\n", "Content-Length: \r\n"}) {
    ResponseParser p;
    EXPECT_EQ(feed_in_steps(p, "HTTP/1.1 200 OK\r\n" + bad + "\r\n").state, State::Error) << bad;
    EXPECT_EQ(p.error(), ParseErrc::BadContentLength);
  }
  ResponseParser same;
  EXPECT_EQ(feed_in_steps(same, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n"
                                "\r\nx")
                .state,
            State::Complete);
}

TEST(ResponseParserTest, RefusesMalformedChunks) {
  for (std::string bad :
       {"zz\r\n", "5\r\nhelloXX", "5\nhello\r\n", "\r\n", "ffffffffffffffff1\r\n"}) {
    ResponseParser p;
    auto r = feed_in_steps(p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + bad);
    EXPECT_EQ(r.state, State::Error) << bad;
    EXPECT_EQ(p.error(), ParseErrc::BadChunk) << bad;
  }
}

TEST(ResponseParserTest, RefusesAnEndlessHead) {
  ResponseParser p;
  std::string line = "X-Filler: " + std::string(1000, 'a') + "\r\n";
  p.feed("HTTP/1.1 200 OK\r\n");
  for (int i = 0; i < 80 && p.state() == State::Head; ++i)
    p.feed(line);
  EXPECT_EQ(p.state(), State::Error);
  EXPECT_EQ(p.error(), ParseErrc::HeadTooLarge);
}

TEST(ResponseParserTest, HeadSplitRightInsideTheBlankLine) {
  ResponseParser p;
  p.feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r");
  EXPECT_EQ(p.state(), State::Head);
  std::size_t used = p.feed("\nokNEXT");
  EXPECT_EQ(used, 3u);
  EXPECT_EQ(p.state(), State::Complete);
}

} // namespace
} // namespace stgw::load
