#pragma once

// HTTP/1.1 codecs that never touch a socket: bytes in, callbacks out. The request decoder is
// strict (it is the smuggling boundary); the response decoder parses what backends send.
// Boost.Beast's parser does the work inside the .cc files; no Beast type appears here.
//
// Callbacks run synchronously inside feed(); a callback must not destroy the decoder, nor call
// its feed(), next_message() or start_response().
//
// What the request decoder refuses besides plain syntax errors (tests: test/http/):
// - any second Content-Length, even an equal one, and lists such as "5, 5";
// - Content-Length together with any Transfer-Encoding (400);
// - a Transfer-Encoding that is not exactly one "chunked" ("gzip, chunked", "chunked, gzip",
//   "identity", "chunked, chunked", chunked twice over two lines), and any Transfer-Encoding in
//   HTTP/1.0 (all 501);
// - targets other than origin form and http(s) absolute form: "*" (OPTIONS too), CONNECT and
//   authority form, userinfo, fragments, raw bytes >= 0x80 (400);
// - HTTP/1.1 without exactly one valid Host, two Hosts in HTTP/1.0 (400);
// - chunk extensions above 1 KiB or with control bytes; trailers are checked like header
//   fields, then dropped.
// Empty lines before a request line are skipped (RFC 9112 §2.2), counted against the head limit.
// The response decoder is lenient where only the backend is concerned: it unfolds obs-fold and
// merges equal duplicate Content-Lengths, but refuses Content-Length with Transfer-Encoding.

#include <cstdint>
#include <expected>
#include <memory>
#include <string_view>

#include "gateway/http/message.h"

namespace stgw::http {

enum class DecodeError {
  BadRequestLine,            // malformed request line or method token → 400
  BadTarget,                 // target not origin or absolute form (authority, asterisk) → 400
  BadVersion,                // not HTTP/1.0 or HTTP/1.1 → 400 (505 is not worth a distinct path)
  BadHeader,                 // invalid field name or value characters, missing colon → 400
  ObsFold,                   // obsolete line folding → 400
  BareLineEnding,            // CR not followed by LF, or LF without CR → 400
  BadContentLength,          // non-digits, overflow, or differing duplicates → 400
  ContentLengthAndChunked,   // Content-Length together with Transfer-Encoding → 400
  UnsupportedTransferCoding, // Transfer-Encoding other than a final "chunked" → 501
  BadChunk,                  // malformed chunk size line, size overflow, bad chunk end → 400
  HeaderTooLarge,            // head above max_header_bytes → 431
  UriTooLong,                // target above max_uri_bytes → 414
  BodyTooLarge,              // body above max_body_bytes → 413
  BadStatusLine,             // responses: malformed status line → backend fault (502)
  Truncated,                 // input ended inside a message (feed_eof) → 400 / 502
};

// The status a client gets for a request decode error (400, 413, 414, 431, 501).
int status_for(DecodeError error);
// Stable machine-readable code for replies, logs and metrics, e.g. "bad_header".
std::string_view error_code(DecodeError error);

struct DecoderLimits { // four-byte sizes: one per client connection
  std::uint32_t max_header_bytes = 16 * 1024;
  std::uint32_t max_uri_bytes = 8 * 1024;
  std::uint64_t max_body_bytes = 0; // 0 = unlimited
};

class RequestDecoderCallbacks {
public:
  virtual ~RequestDecoderCallbacks() = default;
  // The head is complete and valid. Framing facts (body, content_length, keep_alive,
  // expect_continue) are filled in.
  virtual void on_request_head(RequestHead&& head) = 0;
  // Decoded body bytes (chunk framing removed). May be called many times.
  virtual void on_request_body(std::string_view data) = 0;
  // The message ended (after its last body byte, or right after the head when bodiless).
  virtual void on_request_complete() = 0;
};

class RequestDecoder {
public:
  RequestDecoder(RequestDecoderCallbacks& callbacks, DecoderLimits limits);
  ~RequestDecoder();
  RequestDecoder(const RequestDecoder&) = delete;
  RequestDecoder& operator=(const RequestDecoder&) = delete;

  // Consumes a prefix of |bytes| and returns how many bytes were used. It stops right after a
  // message completes, so pipelined requests stay in the caller's buffer until next_message().
  // While the head is incomplete it may consume nothing: the caller must then offer the same
  // bytes again together with more (contiguously). After an error the decoder is dead.
  std::expected<std::size_t, DecodeError> feed(std::string_view bytes);

  // True between on_request_complete() and next_message().
  bool message_complete() const;
  // Prepares for the next request on the same connection.
  void next_message();
  // True when no byte of a message has been consumed yet (idle between requests). Bytes of an
  // incomplete head that were offered but not consumed count as seen: then it is false.
  bool idle() const;
  // Optional: hands back a head the caller is done with, so the next request reuses its
  // buffers instead of allocating new ones.
  void recycle(RequestHead&& spent);
  // Frees the parser state while a complete message waits for its response (a long poll);
  // next_message() builds it again. No effect before the message is complete.
  void release_while_complete();

private:
  class Impl;
  RequestDecoderCallbacks& callbacks_;
  DecoderLimits limits_;
  std::unique_ptr<Impl> impl_; // null only while released
};

class ResponseDecoderCallbacks {
public:
  virtual ~ResponseDecoderCallbacks() = default;
  // A 1xx interim response (100 Continue, 103 Early Hints); the final response follows.
  // 101 Switching Protocols is delivered as the final head instead.
  virtual void on_informational(ResponseHead&& head) = 0;
  virtual void on_response_head(ResponseHead&& head) = 0;
  virtual void on_response_body(std::string_view data) = 0;
  virtual void on_response_complete() = 0;
};

class ResponseDecoder {
public:
  explicit ResponseDecoder(ResponseDecoderCallbacks& callbacks,
                           std::size_t max_header_bytes = 64 * 1024);
  ~ResponseDecoder();
  ResponseDecoder(const ResponseDecoder&) = delete;
  ResponseDecoder& operator=(const ResponseDecoder&) = delete;

  // Call before feeding each response: a response to HEAD has no body, whatever its headers.
  void start_response(bool request_was_head);
  // Same contract as RequestDecoder::feed.
  std::expected<std::size_t, DecodeError> feed(std::string_view bytes);
  // The backend closed: completes an UntilClose body, or reports Truncated.
  std::expected<void, DecodeError> feed_eof();
  bool message_complete() const;
  // True when at least one byte of the current response has been consumed (or offered: an
  // incomplete head is not consumed until it is whole). False means the backend sent nothing.
  bool started() const;
  // Optional: as RequestDecoder::recycle.
  void recycle(ResponseHead&& spent);

private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace stgw::http
