// Every request the decoder must refuse (issue 2, item 5, and the limits of item 4), each fed
// whole and one byte at a time, with the error, the status the client gets and its code.

#include <gtest/gtest.h>

#include <string>

#include "gateway/http/http1_codec.h"
#include "test/http/codec_harness.h"

namespace stgw::http {
namespace {

using test_support::RequestHarness;
using namespace std::string_literals;

struct Rejected {
  const char* name;
  std::string input;
  DecodeError error;
  bool head_delivered = false; // the error is in the body, after on_request_head
};

std::string with_host(std::string_view fields, std::string_view body = "") {
  return "POST /x HTTP/1.1\r\nHost: a\r\n" + std::string(fields) + "\r\n" + std::string(body);
}

std::vector<Rejected> rejected_requests() {
  using E = DecodeError;
  return {
      // Content-Length together with Transfer-Encoding, in every order and coding.
      {"cl_then_te", with_host("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"),
       E::ContentLengthAndChunked},
      {"te_then_cl", with_host("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"),
       E::ContentLengthAndChunked},
      {"te_gzip_then_cl", with_host("Transfer-Encoding: gzip\r\nContent-Length: 5\r\n", "hello"),
       E::ContentLengthAndChunked},
      {"cl_then_te_identity", with_host("Content-Length: 5\r\nTransfer-Encoding: identity\r\n"),
       E::ContentLengthAndChunked},
      // Content-Length values.
      {"cl_differing_duplicates", with_host("Content-Length: 5\r\nContent-Length: 6\r\n", "hello"),
       E::BadContentLength},
      {"cl_identical_duplicates", with_host("Content-Length: 5\r\nContent-Length: 5\r\n", "hello"),
       E::BadContentLength},
      {"cl_list", with_host("Content-Length: 5, 5\r\n", "hello"), E::BadContentLength},
      {"cl_list_differing", with_host("Content-Length: 5,6\r\n", "hello"), E::BadContentLength},
      {"cl_letters", with_host("Content-Length: 5a\r\n"), E::BadContentLength},
      {"cl_negative", with_host("Content-Length: -1\r\n"), E::BadContentLength},
      {"cl_plus", with_host("Content-Length: +5\r\n"), E::BadContentLength},
      {"cl_empty", with_host("Content-Length: \r\n"), E::BadContentLength},
      {"cl_hex", with_host("Content-Length: 0x5\r\n"), E::BadContentLength},
      {"cl_overflow", with_host("Content-Length: 18446744073709551616\r\n"), E::BadContentLength},
      {"cl_inner_space", with_host("Content-Length: 1 2\r\n"), E::BadContentLength},
      // Transfer-Encoding other than exactly one final "chunked".
      {"te_gzip_chunked", with_host("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"),
       E::UnsupportedTransferCoding},
      {"te_chunked_gzip", with_host("Transfer-Encoding: chunked, gzip\r\n", "0\r\n\r\n"),
       E::UnsupportedTransferCoding},
      {"te_identity", with_host("Transfer-Encoding: identity\r\n"), E::UnsupportedTransferCoding},
      {"te_chunked_twice_in_list",
       with_host("Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n"),
       E::UnsupportedTransferCoding},
      {"te_chunked_twice_in_lines",
       with_host("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"),
       E::UnsupportedTransferCoding},
      {"te_split_over_lines",
       with_host("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"),
       E::UnsupportedTransferCoding},
      {"te_with_parameter", with_host("Transfer-Encoding: chunked;q=1\r\n", "0\r\n\r\n"),
       E::UnsupportedTransferCoding},
      {"te_misspelled", with_host("Transfer-Encoding: chunk\r\n"), E::UnsupportedTransferCoding},
      {"te_empty", with_host("Transfer-Encoding: \r\n"), E::UnsupportedTransferCoding},
      {"te_in_http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       E::UnsupportedTransferCoding},
      // obs-fold and whitespace at line starts.
      {"obs_fold_space", "GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\n", E::ObsFold},
      {"obs_fold_tab", "GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n\ttwo\r\n\r\n", E::ObsFold},
      {"obs_fold_into_te",
       with_host("Transfer-Encoding:\r\n chunked\r\nContent-Length: 3\r\n", "abc"), E::ObsFold},
      {"obs_fold_empty_first_line", "GET / HTTP/1.1\r\nHost: a\r\nX-A:\r\n two\r\n\r\n",
       E::ObsFold},
      {"space_before_first_field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", E::BadHeader},
      // Bare CR and bare LF.
      {"bare_lf_everywhere", "GET / HTTP/1.1\nHost: a\n\n", E::BareLineEnding},
      {"bare_lf_after_field", "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", E::BareLineEnding},
      {"bare_lf_end_of_head", "GET / HTTP/1.1\r\nHost: a\r\n\n", E::BareLineEnding},
      {"bare_lf_start", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", E::BareLineEnding},
      {"bare_cr_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", E::BareLineEnding},
      {"bare_cr_request_line", "GET / HTTP/1.1\rHost: a\r\n\r\n", E::BareLineEnding},
      {"bare_cr_end_of_head", "GET / HTTP/1.1\r\nHost: a\r\n\rX\r\n", E::BareLineEnding},
      {"bare_cr_start", "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", E::BareLineEnding},
      // Field names.
      {"space_before_colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", E::BadHeader},
      {"tab_before_colon",
       with_host("Transfer-Encoding\t: chunked\r\nContent-Length: 3\r\n", "abc"), E::BadHeader},
      {"space_in_name", "GET / HTTP/1.1\r\nHost: a\r\nX Y: b\r\n\r\n", E::BadHeader},
      {"empty_name", "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", E::BadHeader},
      {"separator_in_name", "GET / HTTP/1.1\r\nHost: a\r\nX(Y): b\r\n\r\n", E::BadHeader},
      {"control_in_name", "GET / HTTP/1.1\r\nHost: a\r\nX\x01Y: b\r\n\r\n", E::BadHeader},
      {"high_byte_in_name", "GET / HTTP/1.1\r\nHost: a\r\nX\xc3\xa9: b\r\n\r\n", E::BadHeader},
      {"missing_colon", "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", E::BadHeader},
      // Field values.
      {"nul_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"s, E::BadHeader},
      {"control_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n", E::BadHeader},
      {"del_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fz\r\n\r\n", E::BadHeader},
      {"escape_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX: \x1b[31m\r\n\r\n", E::BadHeader},
      // Host.
      {"missing_host", "GET / HTTP/1.1\r\n\r\n", E::BadHeader},
      {"duplicate_host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", E::BadHeader},
      {"host_with_userinfo", "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", E::BadHeader},
      {"host_with_path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", E::BadHeader},
      {"host_with_space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", E::BadHeader},
      {"host_bad_port", "GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n", E::BadHeader},
      // Request targets: only origin form and absolute form.
      {"asterisk_options", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", E::BadTarget},
      {"asterisk_get", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", E::BadTarget},
      {"authority_form_connect", "CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n",
       E::BadTarget},
      {"connect_origin_form", "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", E::BadTarget},
      {"authority_form_get", "GET a.example:443 HTTP/1.1\r\nHost: a\r\n\r\n", E::BadTarget},
      {"relative_target", "GET index.html HTTP/1.1\r\nHost: a\r\n\r\n", E::BadTarget},
      {"other_scheme", "GET ftp://a/b HTTP/1.1\r\nHost: a\r\n\r\n", E::BadTarget},
      {"absolute_userinfo", "GET http://u:p@a/b HTTP/1.1\r\nHost: a\r\n\r\n", E::BadTarget},
      {"absolute_empty_authority", "GET http:///b HTTP/1.1\r\nHost: a\r\n\r\n", E::BadTarget},
      {"fragment", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", E::BadTarget},
      {"high_byte_target", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", E::BadTarget},
      {"control_in_target", "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", E::BadTarget},
      // Request lines and versions.
      {"http09", "GET /\r\n\r\n", E::BadRequestLine},
      {"double_space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", E::BadRequestLine},
      {"leading_space", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", E::BadRequestLine},
      {"bad_method_char", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", E::BadRequestLine},
      {"tab_separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", E::BadRequestLine},
      {"http2_version", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", E::BadVersion},
      {"http12_version", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", E::BadVersion},
      {"http09_version", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", E::BadVersion},
      {"lowercase_version", "GET / http/1.1\r\nHost: a\r\n\r\n", E::BadVersion},
      {"long_version", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", E::BadVersion},
      {"trailing_space_version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", E::BadVersion},
      // Chunked framing.
      {"chunk_size_overflow", with_host("Transfer-Encoding: chunked\r\n", "10000000000000000\r\n"),
       E::BadChunk, true},
      {"chunk_size_not_hex", with_host("Transfer-Encoding: chunked\r\n", "zz\r\n"), E::BadChunk,
       true},
      {"chunk_size_negative", with_host("Transfer-Encoding: chunked\r\n", "-1\r\n"), E::BadChunk,
       true},
      {"chunk_size_prefix", with_host("Transfer-Encoding: chunked\r\n", "0x5\r\nhello\r\n\r\n"),
       E::BadChunk, true},
      {"chunk_size_suffix", with_host("Transfer-Encoding: chunked\r\n", "1x\r\nh\r\n"), E::BadChunk,
       true},
      {"chunk_size_space", with_host("Transfer-Encoding: chunked\r\n", " 5\r\nhello\r\n"),
       E::BadChunk, true},
      {"chunk_size_empty", with_host("Transfer-Encoding: chunked\r\n", "\r\nhello\r\n"),
       E::BadChunk, true},
      {"chunk_size_bare_lf", with_host("Transfer-Encoding: chunked\r\n", "5\nhello\r\n0\r\n\r\n"),
       E::BadChunk, true},
      {"chunk_data_too_long",
       with_host("Transfer-Encoding: chunked\r\n", "3\r\nhello\r\n0\r\n\r\n"), E::BadChunk, true},
      {"chunk_data_bare_lf", with_host("Transfer-Encoding: chunked\r\n", "3\r\nabc\n0\r\n\r\n"),
       E::BadChunk, true},
      {"chunk_ext_control_in_quotes",
       with_host("Transfer-Encoding: chunked\r\n", "3;a=\"x\ny\"\r\nabc\r\n0\r\n\r\n"), E::BadChunk,
       true},
      {"chunk_ext_too_long",
       with_host("Transfer-Encoding: chunked\r\n", "3;a=" + std::string(1100, 'x') + "\r\nabc\r\n"),
       E::BadChunk, true},
      {"trailer_obs_fold",
       with_host("Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\nX: a\r\n b\r\n\r\n"),
       E::ObsFold, true},
      {"trailer_bare_lf",
       with_host("Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\nX: a\nY: b\r\n\r\n"),
       E::BareLineEnding, true},
      {"trailer_bad_name",
       with_host("Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\nX Y: a\r\n\r\n"), E::BadHeader,
       true},
      {"trailer_content_length",
       with_host("Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\nContent-Length: 3\r\n\r\n"),
       E::BadChunk, true},
  };
}

class RequestSmugglingTest : public ::testing::TestWithParam<std::size_t> {};

TEST_P(RequestSmugglingTest, IsRejectedWholeAndByteByByte) {
  static const std::vector<Rejected> all = rejected_requests();
  const Rejected& c = all[GetParam()];
  for (std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
    RequestHarness h;
    auto error = h.run(c.input, step);
    ASSERT_EQ(error, c.error) << c.name << " step " << step << " got "
                              << (error ? error_code(*error) : "no error");
    EXPECT_EQ(h.recorder.messages.size(), c.head_delivered ? 1u : 0u) << c.name;
    for (const auto& m : h.recorder.messages)
      EXPECT_FALSE(m.complete) << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(AllCases, RequestSmugglingTest,
                         ::testing::Range<std::size_t>(0, rejected_requests().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& info) {
                           return std::string(rejected_requests()[info.param].name);
                         });

TEST(RequestSmugglingTest, ErrorsMapToClientStatuses) {
  EXPECT_EQ(status_for(DecodeError::ContentLengthAndChunked), 400);
  EXPECT_EQ(status_for(DecodeError::BadContentLength), 400);
  EXPECT_EQ(status_for(DecodeError::ObsFold), 400);
  EXPECT_EQ(status_for(DecodeError::BareLineEnding), 400);
  EXPECT_EQ(status_for(DecodeError::BadHeader), 400);
  EXPECT_EQ(status_for(DecodeError::BadChunk), 400);
  EXPECT_EQ(status_for(DecodeError::BadTarget), 400);
  EXPECT_EQ(status_for(DecodeError::BadVersion), 400);
  EXPECT_EQ(status_for(DecodeError::BadRequestLine), 400);
  EXPECT_EQ(status_for(DecodeError::Truncated), 400);
  EXPECT_EQ(status_for(DecodeError::UnsupportedTransferCoding), 501);
  EXPECT_EQ(status_for(DecodeError::HeaderTooLarge), 431);
  EXPECT_EQ(status_for(DecodeError::UriTooLong), 414);
  EXPECT_EQ(status_for(DecodeError::BodyTooLarge), 413);
  EXPECT_EQ(status_for(DecodeError::BadStatusLine), 502);
}

TEST(RequestSmugglingTest, ErrorCodesAreStableAndDistinct) {
  const std::pair<DecodeError, std::string_view> codes[] = {
      {DecodeError::BadRequestLine, "bad_request_line"},
      {DecodeError::BadTarget, "bad_target"},
      {DecodeError::BadVersion, "bad_version"},
      {DecodeError::BadHeader, "bad_header"},
      {DecodeError::ObsFold, "obs_fold"},
      {DecodeError::BareLineEnding, "bare_line_ending"},
      {DecodeError::BadContentLength, "bad_content_length"},
      {DecodeError::ContentLengthAndChunked, "content_length_and_chunked"},
      {DecodeError::UnsupportedTransferCoding, "unsupported_transfer_coding"},
      {DecodeError::BadChunk, "bad_chunk"},
      {DecodeError::HeaderTooLarge, "header_too_large"},
      {DecodeError::UriTooLong, "uri_too_long"},
      {DecodeError::BodyTooLarge, "body_too_large"},
      {DecodeError::BadStatusLine, "bad_status_line"},
      {DecodeError::Truncated, "truncated"},
  };
  for (const auto& [error, code] : codes)
    EXPECT_EQ(error_code(error), code);
}

// A smuggling attempt must not leave bytes that a following request would be parsed from: the
// decoder dies and the connection closes. Here the attack hides a second request in a body.
TEST(RequestSmugglingTest, HiddenRequestNeverSurfaces) {
  std::string attack = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 44\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n"
                       "0\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n";
  for (std::size_t step : {std::size_t{0}, std::size_t{1}}) {
    RequestHarness h;
    EXPECT_EQ(h.run(attack, step), DecodeError::ContentLengthAndChunked);
    EXPECT_TRUE(h.recorder.messages.empty());
  }
}

TEST(RequestLimitsTest, HeadAboveLimitIs431EvenBeforeItEnds) {
  DecoderLimits limits;
  limits.max_header_bytes = 256;
  std::string head = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(300, 'b');
  for (std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{100}}) {
    RequestHarness h(limits);
    EXPECT_EQ(h.run(head, step), DecodeError::HeaderTooLarge) << step;
  }
  RequestHarness many(limits);
  std::string fields;
  for (int i = 0; i < 40; ++i)
    fields += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(many.run("GET / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n"),
            DecodeError::HeaderTooLarge);
  EXPECT_EQ(status_for(DecodeError::HeaderTooLarge), 431);
}

TEST(RequestLimitsTest, HeadExactlyAtLimitIsAccepted) {
  DecoderLimits limits;
  std::string head = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
  limits.max_header_bytes = head.size() + 10 + 4;
  head += std::string(10, 'v') + "\r\n\r\n";
  ASSERT_EQ(head.size(), limits.max_header_bytes);
  RequestHarness h(limits);
  EXPECT_EQ(h.run(head, 1), std::nullopt);
  EXPECT_EQ(h.recorder.messages.size(), 1u);
  RequestHarness over(limits);
  EXPECT_EQ(over.run("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(11, 'v') + "\r\n\r\n"),
            DecodeError::HeaderTooLarge);
}

TEST(RequestLimitsTest, LongTargetIs414) {
  DecoderLimits limits;
  limits.max_uri_bytes = 64;
  std::string target = "/" + std::string(64, 'a');
  for (std::size_t step : {std::size_t{0}, std::size_t{1}}) {
    RequestHarness h(limits);
    EXPECT_EQ(h.run("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n", step),
              DecodeError::UriTooLong);
    RequestHarness unfinished(limits);
    EXPECT_EQ(unfinished.run("GET " + target, step), DecodeError::UriTooLong)
        << "known before the line ends";
  }
  RequestHarness at_limit(limits);
  EXPECT_EQ(at_limit.run("GET " + target.substr(1) + " HTTP/1.1\r\nHost: a\r\n\r\n"),
            DecodeError::BadTarget);
  RequestHarness at_limit_origin(limits);
  EXPECT_EQ(at_limit_origin.run("GET /" + std::string(63, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n"),
            std::nullopt);
  // With a URI limit above the head limit, the head limit is what a long target meets.
  limits.max_header_bytes = 100;
  limits.max_uri_bytes = 200;
  RequestHarness head_first(limits);
  EXPECT_EQ(head_first.run("GET /" + std::string(150, 'a')), DecodeError::HeaderTooLarge);
  EXPECT_EQ(status_for(DecodeError::UriTooLong), 414);
}

TEST(RequestLimitsTest, DeclaredLengthAboveLimitIs413BeforeTheHead) {
  DecoderLimits limits;
  limits.max_body_bytes = 100;
  RequestHarness h(limits);
  EXPECT_EQ(h.run(with_host("Content-Length: 101\r\n")), DecodeError::BodyTooLarge);
  EXPECT_TRUE(h.recorder.messages.empty());
  RequestHarness at_limit(limits);
  EXPECT_EQ(at_limit.run(with_host("Content-Length: 100\r\n", std::string(100, 'x'))),
            std::nullopt);
  EXPECT_TRUE(at_limit.recorder.messages.at(0).complete);
  EXPECT_EQ(status_for(DecodeError::BodyTooLarge), 413);
}

TEST(RequestLimitsTest, ChunkedTotalAboveLimitIs413) {
  DecoderLimits limits;
  limits.max_body_bytes = 100;
  std::string body;
  for (int i = 0; i < 5; ++i)
    body += "19\r\n" + std::string(25, 'x') + "\r\n"; // 125 bytes
  body += "0\r\n\r\n";
  for (std::size_t step : {std::size_t{0}, std::size_t{1}}) {
    RequestHarness h(limits);
    EXPECT_EQ(h.run(with_host("Transfer-Encoding: chunked\r\n", body), step),
              DecodeError::BodyTooLarge);
    ASSERT_EQ(h.recorder.messages.size(), 1u);
    EXPECT_EQ(h.recorder.messages[0].body.size(), 100u) << "refused at the chunk that overflows";
  }
}

TEST(RequestLimitsTest, ChunkLineThatNeverEndsIsRefused) {
  DecoderLimits limits;
  limits.max_header_bytes = 1024;
  RequestHarness h(limits);
  ASSERT_EQ(h.run(with_host("Transfer-Encoding: chunked\r\n", "5;a=b")), std::nullopt);
  std::string more(512, 'b');
  std::optional<DecodeError> error;
  for (int i = 0; i < 10 && !error; ++i)
    error = h.run(more);
  EXPECT_EQ(error, DecodeError::BadChunk);
  EXPECT_LT(h.pending.size(), 4096u) << "bounded before the caller buffered much";
}

TEST(RequestLimitsTest, EndlessEmptyLinesAreBounded) {
  DecoderLimits limits;
  limits.max_header_bytes = 64;
  RequestHarness h(limits);
  std::string lines;
  for (int i = 0; i < 40; ++i)
    lines += "\r\n";
  EXPECT_EQ(h.run(lines), DecodeError::HeaderTooLarge);
}

} // namespace
} // namespace stgw::http

namespace stgw::http {
namespace {

// The scanner checks long runs eight and sixteen bytes at a time; a bad byte must be found at
// every offset of such a run.
TEST(RequestScannerTest, BadByteAnywhereInALongValueIsFound) {
  const std::pair<char, DecodeError> bad_bytes[] = {
      {'\0', DecodeError::BadHeader},      {'\x01', DecodeError::BadHeader},
      {'\x1f', DecodeError::BadHeader},    {'\x7f', DecodeError::BadHeader},
      {'\n', DecodeError::BareLineEnding}, {'\r', DecodeError::BareLineEnding},
  };
  for (std::size_t pos = 0; pos < 48; ++pos) {
    for (const auto& [bad, error] : bad_bytes) {
      std::string value(48, 'v');
      value[pos] = bad;
      test_support::RequestHarness h;
      EXPECT_EQ(h.run("GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + value + "x\r\n\r\n"), error)
          << "byte " << int(bad) << " at " << pos;
    }
    for (char fine : {'\t', ' ', '\x80', '\xff', '~', '!'}) {
      std::string value(48, 'v');
      value[pos] = fine;
      test_support::RequestHarness h;
      EXPECT_EQ(h.run("GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + value + "x\r\n\r\n"), std::nullopt)
          << "byte " << int(fine) << " at " << pos;
    }
  }
}

TEST(RequestScannerTest, BadByteAnywhereInALongTargetIsFound) {
  for (std::size_t pos = 1; pos < 48; ++pos) {
    for (char bad : {'\0', '\x01', '\x7f', '\x80', '\xff', '\t'}) {
      std::string target = "/" + std::string(47, 'p');
      target[pos] = bad;
      test_support::RequestHarness h;
      EXPECT_EQ(h.run("GET " + target + "x HTTP/1.1\r\nHost: a\r\n\r\n"), DecodeError::BadTarget)
          << "byte " << int(bad) << " at " << pos;
    }
  }
}

} // namespace
} // namespace stgw::http
