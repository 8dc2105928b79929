#include "gateway/http/message.h"

#include <gtest/gtest.h>

#include <string>

#include "gateway/http/http1_codec.h"
#include "test/http/codec_harness.h"

namespace stgw::http {
namespace {

TEST(IequalsTest, ComparesAsciiCaseInsensitively) {
  EXPECT_TRUE(iequals("Content-Length", "content-LENGTH"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("Content-Length", "Content-Lengt"));
  EXPECT_FALSE(iequals("a", "b"));
  EXPECT_FALSE(iequals("[", "{")) << "only letters fold";
  EXPECT_FALSE(iequals("\xc3\xa9", "\xc3\x89")) << "no Unicode folding";
}

TEST(HeaderListTest, AddGetAndOrder) {
  HeaderList h;
  EXPECT_TRUE(h.empty());
  h.add("Host", "a.example");
  h.add("Cookie", "A=1");
  h.add("cookie", "B=2");
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(h.get("COOKIE"), "A=1") << "first value";
  EXPECT_EQ(h.get("Missing"), std::nullopt);
  EXPECT_TRUE(h.contains("host"));
  EXPECT_EQ(h.count("Cookie"), 2u);
  EXPECT_EQ(h[2].name, "cookie") << "names keep their case";
  EXPECT_EQ(h[2].value, "B=2");
  std::string names;
  for (auto field : h)
    names += std::string(field.name) + ",";
  EXPECT_EQ(names, "Host,Cookie,cookie,");
}

TEST(HeaderListTest, ViewsStayValidAcrossGrowthBecauseEntriesAreOffsets) {
  HeaderList h;
  h.add("First", "one");
  for (int i = 0; i < 200; ++i)
    h.add("X-Header-" + std::to_string(i), std::string(50, 'v'));
  EXPECT_EQ(h.get("First"), "one");
  EXPECT_EQ(h[200].name, "X-Header-199");
}

TEST(HeaderListTest, CompactKeepsLiveFieldsInOrderAndDropsRemovedBytes) {
  HeaderList h;
  h.add("Host", "a.example");
  h.add("X-Forwarded-For", std::string(500, 'f'));
  h.add("Cookie", "A=1");
  h.remove("x-forwarded-for");
  h.add("Via", "stgw");
  h.compact();
  std::string fields;
  h.serialize(fields);
  EXPECT_EQ(fields, "Host: a.example\r\nCookie: A=1\r\nVia: stgw\r\n");
  EXPECT_EQ(h.get("cookie"), "A=1");
  h.add("After", "compact"); // still usable
  EXPECT_EQ(h[3].value, "compact");
}

TEST(HeaderListTest, AddingACopyOfItsOwnFieldIsSafe) {
  HeaderList h;
  h.add("X-Forwarded-Host", "client.example");
  for (int i = 0; i < 100; ++i) {
    auto f = h[0];
    h.add(f.name, f.value); // the views point into the storage that may grow
  }
  for (auto f : h) {
    EXPECT_EQ(f.name, "X-Forwarded-Host");
    EXPECT_EQ(f.value, "client.example");
  }
}

TEST(HeaderListTest, RemoveAndRemoveIf) {
  HeaderList h;
  h.add("Connection", "close");
  h.add("$WSRA", "10.0.0.1");
  h.add("iv-user", "admin");
  h.add("Cookie", "a=b");
  h.add("$wsis", "true");
  EXPECT_EQ(h.remove("connection"), 1u);
  EXPECT_EQ(h.remove("absent"), 0u);
  EXPECT_EQ(h.remove_if([](std::string_view name) { return !name.empty() && name[0] == '$'; }), 2u);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].name, "iv-user");
  EXPECT_EQ(h[1].value, "a=b");
}

TEST(HeaderListTest, SetReplacesEveryValue) {
  HeaderList h;
  h.add("X-Forwarded-For", "1.1.1.1");
  h.add("Accept", "*/*");
  h.add("x-forwarded-for", "2.2.2.2");
  h.set("X-Forwarded-For", "10.0.0.7");
  EXPECT_EQ(h.count("x-forwarded-for"), 1u);
  EXPECT_EQ(h.get("X-Forwarded-For"), "10.0.0.7");
  EXPECT_EQ(h[1].name, "X-Forwarded-For") << "appended at the end";
  // The new value may be a view of the field being replaced.
  h.set("X-Forwarded-For", *h.get("X-Forwarded-For"));
  EXPECT_EQ(h.get("X-Forwarded-For"), "10.0.0.7");
}

TEST(HeaderListTest, ClearAndSerialize) {
  HeaderList h;
  h.reserve(128, 4);
  h.add("Host", "a");
  h.add("X-Empty", "");
  std::string out = "prefix\r\n";
  h.serialize(out);
  EXPECT_EQ(out, "prefix\r\nHost: a\r\nX-Empty: \r\n");
  h.clear();
  EXPECT_TRUE(h.empty());
  h.add("After", "clear");
  EXPECT_EQ(h.get("Host"), std::nullopt);
  EXPECT_EQ(h.get("After"), "clear");
}

TEST(RequestHeadTest, PathDropsQuery) {
  RequestHead head;
  head.target = "/stwebapi/poll?hold=30";
  EXPECT_EQ(head.path(), "/stwebapi/poll");
  head.target = "/";
  EXPECT_EQ(head.path(), "/");
  head.target = "/a?b?c";
  EXPECT_EQ(head.path(), "/a");
  head.target = "/a?x=http://b/c";
  EXPECT_EQ(head.path(), "/a");
}

TEST(RequestHeadTest, PathOfAbsoluteForm) {
  RequestHead head;
  head.target = "http://a.example:8080/x/y?z=1";
  EXPECT_EQ(head.path(), "/x/y");
  head.target = "https://a.example";
  EXPECT_EQ(head.path(), "/");
  head.target = "http://a.example?q=1";
  EXPECT_EQ(head.path(), "/");
}

TEST(RequestHeadTest, HostStripsPortAndKeepsIpv6Brackets) {
  RequestHead head;
  head.target = "/";
  EXPECT_EQ(head.host(), "");
  head.headers.add("Host", "st.example.com:8443");
  EXPECT_EQ(head.host(), "st.example.com");
  head.headers.clear();
  head.headers.add("Host", "st.example.com");
  EXPECT_EQ(head.host(), "st.example.com");
  head.headers.clear();
  head.headers.add("Host", "[::1]:8443");
  EXPECT_EQ(head.host(), "[::1]");
  head.headers.clear();
  head.headers.add("Host", "[2001:db8::7]");
  EXPECT_EQ(head.host(), "[2001:db8::7]");
  head.headers.clear();
  head.headers.add("Host", "127.0.0.1:80");
  EXPECT_EQ(head.host(), "127.0.0.1");
}

TEST(RequestHeadTest, AbsoluteTargetAuthorityWinsOverHostHeader) {
  RequestHead head;
  head.headers.add("Host", "other.example");
  head.target = "http://[::1]:9080/stwebapi";
  EXPECT_EQ(head.host(), "[::1]");
  head.target = "HTTP://Upper.Example/x";
  EXPECT_EQ(head.host(), "Upper.Example");
}

TEST(SerializeTest, RequestHeadAlwaysSpeaksHttp11) {
  RequestHead head;
  head.method = "POST";
  head.target = "/echo?a=b";
  head.version_minor = 0;
  head.headers.add("Host", "backend:9080");
  head.headers.add("Content-Length", "3");
  std::string out;
  serialize_request_head(head, out);
  EXPECT_EQ(out, "POST /echo?a=b HTTP/1.1\r\nHost: backend:9080\r\nContent-Length: 3\r\n\r\n");
}

TEST(SerializeTest, ResponseHeadUsesReasonOrADefault) {
  ResponseHead head;
  head.status = 404;
  head.headers.add("Content-Length", "0");
  std::string out;
  serialize_response_head(head, out);
  EXPECT_EQ(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  head.status = 200;
  head.reason = "Fine";
  out.clear();
  serialize_response_head(head, out);
  EXPECT_EQ(out, "HTTP/1.1 200 Fine\r\nContent-Length: 0\r\n\r\n");
  head.status = 599;
  head.reason.clear();
  out.clear();
  serialize_response_head(head, out);
  EXPECT_EQ(out.substr(0, 13), "HTTP/1.1 599 ");
}

TEST(SerializeTest, ChunkHeaderIsLowercaseHex) {
  std::string out;
  serialize_chunk_header(0, out);
  serialize_chunk_header(255, out);
  serialize_chunk_header(0x100000000ULL, out);
  EXPECT_EQ(out, "0\r\nff\r\n100000000\r\n");
  EXPECT_EQ(kChunkTrailer, "\r\n");
  EXPECT_EQ(kLastChunk, "0\r\n\r\n");
}

TEST(SerializeTest, RequestRoundTripsThroughTheDecoder) {
  RequestHead head;
  head.method = "PUT";
  head.target = "/files/a%20b?x=1";
  head.headers.add("Host", "st.example.com");
  head.headers.add("Transfer-Encoding", "chunked");
  head.headers.add("X-Custom", "v1, v2");
  std::string wire;
  serialize_request_head(head, wire);
  for (std::string_view piece : {std::string_view("hello"), std::string_view(" world")}) {
    serialize_chunk_header(piece.size(), wire);
    wire.append(piece);
    wire.append(kChunkTrailer);
  }
  wire.append(kLastChunk);

  test_support::RequestHarness h;
  ASSERT_EQ(h.run(wire), std::nullopt);
  ASSERT_EQ(h.recorder.messages.size(), 1u);
  const auto& got = h.recorder.messages[0];
  EXPECT_EQ(got.head.method, head.method);
  EXPECT_EQ(got.head.target, head.target);
  ASSERT_EQ(got.head.headers.size(), head.headers.size());
  for (std::size_t i = 0; i < head.headers.size(); ++i) {
    EXPECT_EQ(got.head.headers[i].name, head.headers[i].name);
    EXPECT_EQ(got.head.headers[i].value, head.headers[i].value);
  }
  EXPECT_EQ(got.head.body, BodyKind::Chunked);
  EXPECT_EQ(got.body, "hello world");
  EXPECT_TRUE(got.complete);
}

TEST(SerializeTest, ResponseRoundTripsThroughTheDecoder) {
  ResponseHead head;
  head.status = 201;
  head.headers.add("Set-Cookie", "JSESSIONID=abc:clone1; Path=/; HttpOnly");
  head.headers.add("Content-Length", "2");
  std::string wire;
  serialize_response_head(head, wire);
  wire += "{}";
  test_support::ResponseHarness h;
  ASSERT_EQ(h.run(wire), std::nullopt);
  ASSERT_EQ(h.recorder.messages.size(), 1u);
  EXPECT_EQ(h.recorder.messages[0].head.status, 201);
  EXPECT_EQ(h.recorder.messages[0].head.reason, "Created");
  EXPECT_EQ(h.recorder.messages[0].head.headers.get("Set-Cookie"),
            "JSESSIONID=abc:clone1; Path=/; HttpOnly");
  EXPECT_EQ(h.recorder.messages[0].body, "{}");
}

TEST(HopByHopTest, ListedHeadersInAnyCase) {
  for (std::string_view name :
       {"Connection", "keep-alive", "PROXY-CONNECTION", "Proxy-Authenticate", "proxy-authorization",
        "TE", "Trailer", "transfer-encoding", "Upgrade"})
    EXPECT_TRUE(is_hop_by_hop(name)) << name;
  for (std::string_view name : {"Content-Length", "Cookie", "Host", "TEx", "Trailers", "", "X",
                                "Set-Cookie", "Proxy-Authorizatio", "Content-Type"})
    EXPECT_FALSE(is_hop_by_hop(name)) << name;
}

} // namespace
} // namespace stgw::http
