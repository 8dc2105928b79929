#pragma once

// The least HTTP/1.1 response parsing a load generator needs: the status code, where the
// response ends (Content-Length, chunked, or the connection closing) and whether the server
// keeps the connection.  Headers other than Content-Length, Transfer-Encoding and Connection
// are skipped unread; bodies are counted, not stored.  Bytes in, result out: no socket.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace stgw::load {

// What the parser refused (counted as errors of kind "parse").
enum class ParseErrc {
  None,
  BadStatusLine,    // not "HTTP/1.x DDD ..."
  HeadTooLarge,     // no blank line within kMaxHeadBytes
  BadContentLength, // not a decimal number, or two different values
  BadChunk,         // a chunk size line or the CRLF after chunk data is malformed
};

struct ResponseInfo {
  int status = 0;
  bool keep_alive = true;       // false: "Connection: close", or HTTP/1.0 without keep-alive
  std::uint64_t body_bytes = 0; // decoded body bytes (chunk framing excluded)
};

class ResponseParser {
public:
  static constexpr std::size_t kMaxHeadBytes = 64 * 1024;

  enum class State { Head, Body, Complete, Error };

  // Consumes bytes of one response from |data|; returns how many it used.  Stops right after the
  // final byte of the response (state() == Complete) so that the rest belongs to the next one.
  // Interim 1xx heads (100 Continue) are skipped.  A HEAD request's response has no body: say so
  // with expect_no_body() before feeding.
  std::size_t feed(std::string_view data);

  // The peer closed.  Completes a response whose body runs until close; returns state().
  State on_eof();

  // Ready for the next response on the same connection.
  void reset();
  void expect_no_body() { no_body_ = true; }

  State state() const { return state_; }
  ParseErrc error() const { return error_; }
  const ResponseInfo& info() const { return info_; }
  // True once any byte of the current response arrived (tells "closed before answering" apart).
  bool started() const { return started_; }

private:
  enum class BodyMode { None, Length, Chunked, UntilClose };
  enum class ChunkState {
    Size,
    Extension,
    SizeLf,
    Data,
    DataCr,
    DataLf,
    TrailerStart,
    Trailer,
    FinalLf
  };

  std::size_t feed_head(std::string_view data);
  bool parse_head(std::string_view head); // false: error_ set
  std::size_t feed_body(std::string_view data);
  std::size_t feed_chunked(std::string_view data);
  void fail(ParseErrc code);

  State state_ = State::Head;
  ParseErrc error_ = ParseErrc::None;
  ResponseInfo info_;
  BodyMode mode_ = BodyMode::None;
  ChunkState chunk_ = ChunkState::Size;
  std::uint64_t remaining_ = 0; // Length: body bytes left; Chunked: bytes left in this chunk
  int chunk_digits_ = 0;
  bool started_ = false;
  bool no_body_ = false;
  std::string head_; // only when a head arrives in several pieces
};

} // namespace stgw::load
