// Request smuggling and limits over raw sockets: each malformed request gets its status and a
// JSON error, the connection is closed, and the next client is served normally.

#include "test/integration/fixture.h"

namespace stgw::itest {
namespace {

struct BadRequest {
  std::string name;
  std::string bytes;
  int status;
  std::string error; // the gateway's stable error code
};

std::string with_head(std::string_view headers, std::string_view body = {},
                      std::string_view request_line = "POST /echo HTTP/1.1") {
  std::string out(request_line);
  out += "\r\nHost: gw.test\r\n";
  out += headers;
  out += "\r\n";
  out += body;
  return out;
}

std::vector<BadRequest> bad_requests() {
  return {
      {"ContentLengthWithChunked",
       with_head("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), 400,
       "content_length_and_chunked"},
      {"ChunkedWithContentLength",
       with_head("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"), 400,
       "content_length_and_chunked"},
      {"DifferingDuplicateContentLength",
       with_head("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!"), 400,
       "bad_content_length"},
      {"ContentLengthList", with_head("Content-Length: 5, 6\r\n", "hello!"), 400,
       "bad_content_length"},
      {"ObsFold", with_head("X-A: one\r\n two\r\n", "", "GET /echo HTTP/1.1"), 400, "obs_fold"},
      {"BareLfInHeaders", with_head("X-A: one\nX-B: two\r\n", "", "GET /echo HTTP/1.1"), 400,
       "bare_line_ending"},
      {"BareCrInHeaders", with_head("X-A: one\rX-B: two\r\n", "", "GET /echo HTTP/1.1"), 400,
       "bare_line_ending"},
      {"SpaceInHeaderName", with_head("X A: b\r\n", "", "GET /echo HTTP/1.1"), 400, "bad_header"},
      {"SpaceBeforeColon", with_head("Content-Length : 5\r\n", "hello"), 400, "bad_header"},
      {"ControlCharacterInValue",
       with_head(std::string("X-A: a\x01z\r\n"), "", "GET /echo HTTP/1.1"), 400, "bad_header"},
      {"NulInValue", with_head(std::string("X-A: a\0z\r\n", 10), "", "GET /echo HTTP/1.1"), 400,
       "bad_header"},
      {"ChunkSizeOverflow",
       with_head("Transfer-Encoding: chunked\r\n", "10000000000000001\r\nhello\r\n0\r\n\r\n"), 400,
       "bad_chunk"},
      {"ChunkSizeNotHex", with_head("Transfer-Encoding: chunked\r\n", "zz\r\nhello\r\n0\r\n\r\n"),
       400, "bad_chunk"},
      {"TransferEncodingGzip", with_head("Transfer-Encoding: gzip\r\n", "hello"), 501,
       "unsupported_transfer_coding"},
      {"ChunkedNotFinal", with_head("Transfer-Encoding: chunked, gzip\r\n", "0\r\n\r\n"), 501,
       "unsupported_transfer_coding"},
      {"ChunkedTwice",
       with_head("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), 501,
       "unsupported_transfer_coding"},
      {"AuthorityFormTarget", with_head("", "", "CONNECT gw.test:443 HTTP/1.1"), 400, "bad_target"},
      {"AuthorityFormOnGet", with_head("", "", "GET gw.test:80 HTTP/1.1"), 400, "bad_target"},
      {"AsteriskTarget", with_head("", "", "OPTIONS * HTTP/1.1"), 400, "bad_target"},
  };
}

// Test names and failure messages show the case name, not the struct's bytes.
void PrintTo(const BadRequest& bad, std::ostream* out) {
  *out << bad.name;
}

class SmugglingTest : public DataPlaneTest, public ::testing::WithParamInterface<BadRequest> {};

TEST_P(SmugglingTest, IsRejectedAndTheConnectionCloses) {
  const BadRequest& bad = GetParam();
  ASSERT_TRUE(start());
  {
    RawClient client(options_.http_port);
    ASSERT_TRUE(client.connected());
    // A well-formed request after the bad one must never be answered (it would be the
    // smuggled one).
    ASSERT_TRUE(client.send_all(bad.bytes + get_request("/echo?smuggled")));
    auto response = client.read_response(5s);
    ASSERT_TRUE(response) << "no response; got: " << client.buffer();
    HttpReply reply = parse_raw_response(*response);
    EXPECT_EQ(reply.status, bad.status) << *response;
    EXPECT_EQ(reply.header("content-type"), "application/json");
    EXPECT_EQ(reply.json()["error"], bad.error) << reply.body;
    EXPECT_EQ(reply.header("connection"), "close");
    EXPECT_TRUE(client.read_to_eof(5s)) << "connection left open";
    EXPECT_EQ(client.buffer().find("smuggled"), std::string::npos) << client.buffer();
    EXPECT_EQ(client.buffer(), "") << "bytes after the error reply";
  }
  // The next client is unaffected.
  HttpReply next = curl({url("/echo?next")});
  EXPECT_EQ(next.status, 200) << next.raw;
  EXPECT_EQ(next.json()["target"], "/echo?next");
  // And the backend never saw the smuggled request.
  EXPECT_EQ(sim_->stats()["requests"].get<long>(), 2) << "expected /echo?next and /stats only";
}

INSTANTIATE_TEST_SUITE_P(Requests, SmugglingTest, ::testing::ValuesIn(bad_requests()),
                         [](const ::testing::TestParamInfo<BadRequest>& info) {
                           return info.param.name;
                         });

class LimitsTest : public DataPlaneTest {
protected:
  void SetUp() override {
    ConfigOptions options;
    options.server_extra =
        "max_body_bytes = 100000\nmax_uri_bytes = 1024\nmax_header_bytes = 4096\n";
    ASSERT_TRUE(start(options));
  }

  void expect_rejected(const std::string& request, int status, std::string_view error) {
    RawClient client(options_.http_port);
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.send_all(request));
    auto response = client.read_response(5s);
    ASSERT_TRUE(response) << client.buffer();
    HttpReply reply = parse_raw_response(*response);
    EXPECT_EQ(reply.status, status) << *response;
    EXPECT_EQ(reply.header("content-type"), "application/json");
    EXPECT_EQ(reply.json()["error"], error) << reply.body;
    EXPECT_TRUE(client.read_to_eof(5s)) << "connection left open";
    EXPECT_EQ(curl({url("/echo")}).status, 200);
  }
};

TEST_F(LimitsTest, BodyOverMaxBodyBytesGets413) {
  expect_rejected(with_head("Content-Length: 100001\r\n", std::string(1000, 'x')), 413,
                  "body_too_large");
}

TEST_F(LimitsTest, ChunkedBodyOverMaxBodyBytesGets413) {
  std::string chunk = "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
  expect_rejected(with_head("Transfer-Encoding: chunked\r\n", chunk + chunk), 413,
                  "body_too_large");
}

TEST_F(LimitsTest, BodyAtTheLimitPasses) {
  HttpReply reply = curl({url("/echo"), "--data-binary", std::string(100000, 'y')});
  EXPECT_EQ(reply.status, 200) << reply.raw.substr(0, 500);
  EXPECT_EQ(reply.json()["body_bytes"], 100000);
}

TEST_F(LimitsTest, TargetOverMaxUriBytesGets414) {
  expect_rejected(get_request("/echo?q=" + std::string(1100, 'a')), 414, "uri_too_long");
}

TEST_F(LimitsTest, HeadOverMaxHeaderBytesGets431) {
  std::string headers;
  for (int i = 0; i < 10; ++i)
    headers += "X-Filler-" + std::to_string(i) + ": " + std::string(500, 'f') + "\r\n";
  expect_rejected(get_request("/echo", headers), 431, "header_too_large");
}

} // namespace
} // namespace stgw::itest
