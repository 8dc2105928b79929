#pragma once

// Strict, incremental validation of an HTTP/1.1 message head (start line + header fields + the
// empty line) before Beast parses it. Beast 1.74 unfolds obs-fold, accepts any byte >= 0x80 in
// targets and parses field by field as bytes trickle in; this scanner rejects what a smuggling
// boundary must reject and tells the decoder where the complete head ends, so Beast always
// sees a whole head in one contiguous buffer. Internal to stgw_http.

#include <cstddef>
#include <string_view>

#include "gateway/http/http1_codec.h"

namespace stgw::http::detail {

enum class StartLine {
  Request, // method SP target SP HTTP/1.x, validated here
  Status,  // status line: only its characters are checked here; Beast parses it
  None,    // no start line: a chunked body's trailer section
};

struct HeadScanOptions {
  StartLine start_line = StartLine::Request;
  bool allow_obs_fold = false;         // responses only: Beast replaces each fold by one SP
  std::size_t max_head_bytes = 16384;  // the whole head, start line to the empty line
  std::size_t max_target_bytes = 8192; // requests only
};

class HeadScanner {
public:
  enum class Status { NeedMore, Done, Failed };

  explicit HeadScanner(HeadScanOptions options) : options_(options) { reset(); }
  void reset();

  // Scans |bytes|, which must start with the bytes offered to the previous call (the same
  // message, re-offered with more appended); only the new part is examined.
  Status scan(std::string_view bytes);

  std::size_t scanned() const { return pos_; }
  std::size_t head_bytes() const { return pos_; } // when Done: start line through "\r\n\r\n"
  std::size_t field_count() const { return fields_; }
  DecodeError error() const { return error_; }

private:
  enum class State {
    Method,
    Target,
    Version,
    StatusLine,
    StartLineLf,
    LineStart,
    Name,
    Value,
    ValueLf,
    EndLf,
    Done,
  };

  Status fail(DecodeError error);
  bool version_ok(std::string_view bytes, std::size_t end) const;

  HeadScanOptions options_;
  State state_ = State::Method;
  std::size_t pos_ = 0;    // bytes already examined
  std::size_t mark_ = 0;   // where the current token (target, version, name) began
  std::size_t fields_ = 0; // header lines seen
  DecodeError error_ = DecodeError::BadRequestLine;
};

} // namespace stgw::http::detail
