#include "gateway/proxy/header_rewrite.h"

#include <gtest/gtest.h>

namespace stgw::proxy {
namespace {

http::RequestHead request_with(std::vector<std::pair<std::string, std::string>> headers) {
  http::RequestHead head;
  head.method = "GET";
  head.target = "/stwebapi/poll";
  for (auto& [name, value] : headers)
    head.headers.add(name, value);
  return head;
}

ForwardingFacts tls_facts() {
  ForwardingFacts facts;
  facts.client_ip = "192.0.2.7";
  facts.secure = true;
  facts.listener_port = 443;
  facts.identity_header = "X-Sametime-User";
  facts.backend_host = "10.0.0.5:9080";
  return facts;
}

// clean_request() then serialize_for_backend(), read back from the wire: what the backend gets.
http::RequestHead forward(http::RequestHead& head, const ForwardingFacts& facts) {
  clean_request(head, facts);
  std::string wire;
  serialize_for_backend(head, facts, wire);
  EXPECT_TRUE(wire.ends_with("\r\n\r\n")) << wire;
  EXPECT_EQ(wire.find("\r\n\r\n"), wire.size() - 4) << "one empty line, at the end: " << wire;
  http::RequestHead sent;
  std::string_view rest(wire);
  auto next_line = [&] {
    std::string_view line = rest.substr(0, rest.find("\r\n"));
    rest.remove_prefix(line.size() + 2);
    return line;
  };
  std::string_view request_line = next_line();
  sent.method = request_line.substr(0, request_line.find(' '));
  sent.target =
      request_line.substr(sent.method.size() + 1, request_line.rfind(' ') - sent.method.size() - 1);
  EXPECT_TRUE(request_line.ends_with(" HTTP/1.1")) << request_line;
  for (std::string_view line = next_line(); !line.empty(); line = next_line()) {
    std::size_t colon = line.find(": ");
    EXPECT_NE(colon, std::string_view::npos) << line;
    sent.headers.add(line.substr(0, colon), line.substr(colon + 2));
  }
  return sent;
}

std::vector<std::string> values(const http::HeaderList& list, std::string_view name) {
  std::vector<std::string> out;
  for (auto field : list)
    if (http::iequals(field.name, name))
      out.emplace_back(field.value);
  return out;
}

TEST(ForwardRequestTest, RemovesSpoofedIdentityAndForwardingHeaders) {
  auto head = request_with({{"Host", "st.example.com"},
                            {"$WSRA", "6.6.6.6"},
                            {"$wsis", "true"},
                            {"iv-user", "admin"},
                            {"IV-Groups", "admins"},
                            {"X-Forwarded-For", "6.6.6.6"},
                            {"x-forwarded-proto", "https"},
                            {"Forwarded", "for=6.6.6.6"},
                            {"X-Sametime-User", "uid=admin"}});
  head = forward(head, tls_facts());
  EXPECT_EQ(values(head.headers, "$WSRA"), std::vector<std::string>{"192.0.2.7"});
  EXPECT_EQ(values(head.headers, "$WSIS"), std::vector<std::string>{"true"});
  EXPECT_TRUE(values(head.headers, "iv-user").empty());
  EXPECT_TRUE(values(head.headers, "iv-groups").empty());
  EXPECT_TRUE(values(head.headers, "forwarded").empty());
  EXPECT_TRUE(values(head.headers, "X-Sametime-User").empty());
  EXPECT_EQ(values(head.headers, "X-Forwarded-For"), std::vector<std::string>{"192.0.2.7"});
}

TEST(ForwardRequestTest, AddsWebSphereHeadersForTlsOffload) {
  auto head = request_with({{"Host", "st.example.com:8443"}});
  head = forward(head, tls_facts());
  EXPECT_EQ(values(head.headers, "$WSSC"), std::vector<std::string>{"https"});
  EXPECT_EQ(values(head.headers, "$WSSP"), std::vector<std::string>{"443"});
  EXPECT_EQ(values(head.headers, "$WSSN"), std::vector<std::string>{"st.example.com"});
  EXPECT_EQ(values(head.headers, "X-Forwarded-Proto"), std::vector<std::string>{"https"});
  EXPECT_EQ(values(head.headers, "X-Forwarded-Host"),
            std::vector<std::string>{"st.example.com:8443"});
}

TEST(ForwardRequestTest, CleartextSaysHttp) {
  auto head = request_with({{"Host", "st"}});
  auto facts = tls_facts();
  facts.secure = false;
  facts.listener_port = 80;
  head = forward(head, facts);
  EXPECT_EQ(values(head.headers, "$WSIS"), std::vector<std::string>{"false"});
  EXPECT_EQ(values(head.headers, "$WSSC"), std::vector<std::string>{"http"});
}

TEST(ForwardRequestTest, KeepsCookiesCsrfAndUnknownHeaders) {
  auto head = request_with({{"Host", "st"},
                            {"Cookie", "LtpaToken2=abc; JSESSIONID=x:c1"},
                            {"X-ST-CSRF-Token", "t0k"},
                            {"Rtc4web-Nonce", "n0nce"},
                            {"X-Custom", "v"}});
  head = forward(head, tls_facts());
  EXPECT_EQ(values(head.headers, "Cookie"),
            std::vector<std::string>{"LtpaToken2=abc; JSESSIONID=x:c1"});
  EXPECT_EQ(values(head.headers, "X-ST-CSRF-Token"), std::vector<std::string>{"t0k"});
  EXPECT_EQ(values(head.headers, "Rtc4web-Nonce"), std::vector<std::string>{"n0nce"});
  EXPECT_EQ(values(head.headers, "X-Custom"), std::vector<std::string>{"v"});
}

TEST(ForwardRequestTest, RemovesHopByHopAndConnectionListedHeaders) {
  auto head = request_with({{"Host", "st"},
                            {"Connection", "keep-alive, X-Secret-Hop"},
                            {"Keep-Alive", "timeout=5"},
                            {"X-Secret-Hop", "1"},
                            {"TE", "trailers"},
                            {"Upgrade", "websocket"},
                            {"Proxy-Authorization", "Basic x"},
                            {"Expect", "100-continue"}});
  head = forward(head, tls_facts());
  for (auto name : {"Connection", "Keep-Alive", "X-Secret-Hop", "TE", "Upgrade",
                    "Proxy-Authorization", "Expect"})
    EXPECT_TRUE(values(head.headers, name).empty()) << name;
}

TEST(ForwardRequestTest, AddsIdentityWithoutControlCharacters) {
  auto head = request_with({{"Host", "st"}});
  auto facts = tls_facts();
  facts.identity = "uid=j\r\nX-Evil: 1,o=acme";
  head = forward(head, facts);
  EXPECT_EQ(values(head.headers, "X-Sametime-User"),
            std::vector<std::string>{"uid=j%0D%0AX-Evil: 1,o=acme"});
}

TEST(ForwardRequestTest, AbsoluteFormBecomesOriginFormWithHost) {
  auto head = request_with({{"Host", "ignored"}});
  head.target = "http://st.example.com:8080/stwebapi/presence?user=a";
  head = forward(head, tls_facts());
  EXPECT_EQ(head.target, "/stwebapi/presence?user=a");
  EXPECT_EQ(values(head.headers, "Host"), std::vector<std::string>{"st.example.com:8080"});
}

TEST(ForwardRequestTest, MissingHostGetsBackendAuthority) {
  auto head = request_with({});
  head.version_minor = 0;
  head = forward(head, tls_facts());
  EXPECT_EQ(values(head.headers, "Host"), std::vector<std::string>{"10.0.0.5:9080"});
}

TEST(ForwardRequestTest, ChunkedBodyKeepsChunkedFraming) {
  auto head = request_with({{"Host", "st"}, {"Transfer-Encoding", "chunked"}});
  head.method = "POST";
  head.body = http::BodyKind::Chunked;
  head = forward(head, tls_facts());
  EXPECT_EQ(values(head.headers, "Transfer-Encoding"), std::vector<std::string>{"chunked"});
}

TEST(ForwardRequestTest, TheCleanedHeadKeepsOnlyTheClientsFieldsAndSerialisesTheSameAgain) {
  auto head = request_with({{"Host", "st"}, {"Cookie", "LtpaToken2=abc"}, {"$WSRA", "6.6.6.6"}});
  auto facts = tls_facts();
  facts.identity = "uid=jdoe";
  clean_request(head, facts);
  // What a parked poll holds: the client's own fields, none of the gateway's.
  std::vector<std::string> names;
  for (auto field : head.headers)
    names.emplace_back(field.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Host", "Cookie"}));
  // A retry on a fresh backend connection sends exactly the same bytes.
  std::string first, again;
  serialize_for_backend(head, facts, first);
  serialize_for_backend(head, facts, again);
  EXPECT_EQ(first, again);
  EXPECT_NE(first.find("X-Sametime-User: uid=jdoe\r\n"), std::string::npos) << first;
}

TEST(RewriteResponseTest, UnknownLengthBecomesChunkedForHttp11) {
  http::ResponseHead head;
  head.body = http::BodyKind::UntilClose;
  head.headers.add("Content-Type", "text/plain");
  EXPECT_EQ(rewrite_response(head, 1, false, false), http::BodyKind::Chunked);
  EXPECT_EQ(head.headers.get("transfer-encoding"), std::optional<std::string_view>("chunked"));
}

TEST(RewriteResponseTest, UnknownLengthClosesForHttp10) {
  http::ResponseHead head;
  head.body = http::BodyKind::UntilClose;
  EXPECT_EQ(rewrite_response(head, 0, false, false), http::BodyKind::UntilClose);
  EXPECT_EQ(head.headers.get("connection"), std::optional<std::string_view>("close"));
}

TEST(RewriteResponseTest, StripsHopByHopAndKeepsLength) {
  http::ResponseHead head;
  head.body = http::BodyKind::ContentLength;
  head.content_length = 5;
  head.headers.add("Content-Length", "5");
  head.headers.add("Connection", "keep-alive");
  head.headers.add("Keep-Alive", "timeout=60");
  head.headers.add("Set-Cookie", "JSESSIONID=a:c1; Path=/");
  EXPECT_EQ(rewrite_response(head, 1, false, false), http::BodyKind::ContentLength);
  EXPECT_FALSE(head.headers.contains("keep-alive"));
  EXPECT_FALSE(head.headers.contains("connection"));
  EXPECT_EQ(head.headers.get("set-cookie"),
            std::optional<std::string_view>("JSESSIONID=a:c1; Path=/"));
}

TEST(RewriteResponseTest, NoBodyForHeadAnd304) {
  http::ResponseHead head;
  head.status = 304;
  head.body = http::BodyKind::None;
  EXPECT_EQ(rewrite_response(head, 1, true, false), http::BodyKind::None);
  EXPECT_EQ(head.headers.get("connection"), std::optional<std::string_view>("close"));
  http::ResponseHead to_head;
  to_head.body = http::BodyKind::ContentLength;
  to_head.content_length = 10;
  EXPECT_EQ(rewrite_response(to_head, 1, false, true), http::BodyKind::None);
}

} // namespace
} // namespace stgw::proxy
