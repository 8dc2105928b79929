#include "gateway/http/http1_codec.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <limits>
#include <optional>

#include "gateway/http/head_scanner.h"

// What Beast 1.74 does and what is added here (see the tests in test/http/ for each case):
// - Beast parses the start line, fields, Content-Length/Transfer-Encoding semantics, chunk
//   framing and bodies. It is only ever given a complete head (HeadScanner finds its end), so
//   its field-by-field consumption of partial heads never shows.
// - HeadScanner rejects before Beast sees them: obs-fold (Beast would unfold it), bare CR/LF,
//   bad name/value bytes, malformed request lines, non-1.0/1.1 versions and the size limits.
// - Here: target form, Host rules, duplicate Content-Length (even identical), Content-Length
//   with any Transfer-Encoding (Beast misses "TE: gzip" followed by a Content-Length), any
//   Transfer-Encoding but exactly one "chunked" (Beast ignores "chunked, chunked"), chunk
//   extension bytes and size, strict trailers, and a bound on a pending chunk line.

namespace stgw::http {
namespace {

namespace bhttp = boost::beast::http;
using BeastError = boost::beast::error_code;
using BeastView = boost::beast::string_view;

constexpr std::size_t kMaxChunkExtensionBytes = 1024;
// Beast 1.74 tests `len > body_limit_` on a boost::optional, and an empty optional compares
// below every length: "no limit" has to be spelled as the largest number.
constexpr std::uint64_t kNoBodyLimit = std::numeric_limits<std::uint64_t>::max();

std::string_view to_std(BeastView v) {
  return {v.data(), v.size()};
}

// After Beast asked for more bytes inside a chunked body (|pending| is what it left), how many
// it must be offered next. Beast keeps offsets into the bytes it has seen (skip_), so it must
// get all of them again plus at least one. And Beast 1.74 asserts `n >= 5` when it resumes a
// last chunk whose trailers are pending, although it handles 4 bytes correctly; the only way to
// get there with fewer is a bare "0\r\n", and a complete message has 5 ("0\r\n\r\n").
std::size_t next_beast_offer(std::string_view pending) {
  return pending == "0\r\n" ? 5 : pending.size() + 1;
}

std::uint32_t beast_header_limit(std::size_t max_head_bytes) {
  // One more than our own limit: HeadScanner already enforced it on the same bytes.
  return static_cast<std::uint32_t>(
      std::min<std::size_t>(max_head_bytes + 1, std::numeric_limits<std::uint32_t>::max()));
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// reg-name characters of RFC 3986 (unreserved, pct-encoded, sub-delims).
bool is_reg_name_char(char c) {
  return is_alnum(c) || std::string_view("-._~%!$&'()*+,;=").find(c) != std::string_view::npos;
}

bool valid_port(std::string_view port) {
  return port.size() <= 5 && std::all_of(port.begin(), port.end(), is_digit);
}

// uri-host [ ":" port ], as in a Host header or an absolute target's authority. Userinfo
// ("user@host") is refused: RFC 9110 §4.2.4 forbids it in http(s) URIs.
bool valid_host(std::string_view value) {
  if (!value.empty() && value.front() == '[') {
    std::size_t close = value.find(']');
    if (close == std::string_view::npos || close == 1)
      return false;
    std::string_view literal = value.substr(1, close - 1);
    auto literal_char = [](char c) { return is_alnum(c) || c == ':' || c == '.' || c == '%'; };
    if (!std::all_of(literal.begin(), literal.end(), literal_char))
      return false;
    std::string_view rest = value.substr(close + 1);
    if (rest.empty())
      return true;
    return rest.front() == ':' && valid_port(rest.substr(1));
  }
  std::size_t colon = value.find(':');
  std::string_view host = value.substr(0, colon);
  if (!std::all_of(host.begin(), host.end(), is_reg_name_char))
    return false;
  return colon == std::string_view::npos || valid_port(value.substr(colon + 1));
}

// Origin form ("/path?q") or absolute form ("http://host/path"); everything else — "*",
// authority form, relative references, other schemes, fragments — is refused.
std::optional<DecodeError> check_target(std::string_view method, std::string_view target) {
  if (method == "CONNECT")
    return DecodeError::BadTarget; // tunnels are not proxied
  if (target.find('#') != std::string_view::npos)
    return DecodeError::BadTarget;
  if (target.front() == '/')
    return std::nullopt;
  std::string_view rest;
  if (starts_with_icase(target, "http://"))
    rest = target.substr(7);
  else if (starts_with_icase(target, "https://"))
    rest = target.substr(8);
  else
    return DecodeError::BadTarget;
  std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.empty() || !valid_host(authority))
    return DecodeError::BadTarget;
  return std::nullopt;
}

bool chunk_extension_ok(std::string_view ext) {
  if (ext.size() > kMaxChunkExtensionBytes)
    return false;
  // Beast checks the token/quoted-string grammar but lets any byte through inside quotes.
  return std::none_of(ext.begin(), ext.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7f;
  });
}

bool is_beast_error(const BeastError& ec, bhttp::error e) {
  return ec == bhttp::make_error_code(e);
}

// Per-message facts gathered from the fields while Beast parses the head.
struct FieldFacts {
  bool content_length = false;
  bool transfer_encoding = false;
  unsigned transfer_codings = 0;   // list elements over every Transfer-Encoding line
  bool non_chunked_coding = false; // one of them is not "chunked"
  unsigned hosts = 0;
  bool bad_host = false;
  bool expect_continue = false;
  bool upgrade = false;
  bool header_done = false; // later fields are trailers
};

void count_transfer_codings(std::string_view value, FieldFacts& facts) {
  while (!value.empty()) {
    std::size_t comma = value.find(',');
    std::string_view element = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    while (!element.empty() && (element.front() == ' ' || element.front() == '\t'))
      element.remove_prefix(1);
    while (!element.empty() && (element.back() == ' ' || element.back() == '\t'))
      element.remove_suffix(1);
    if (element.empty())
      continue; // empty list elements are allowed (RFC 9110 §5.6.1)
    ++facts.transfer_codings;
    if (!iequals(element, "chunked"))
      facts.non_chunked_coding = true;
  }
}

// Beast's error for a message whose head HeadScanner already accepted.
DecodeError map_beast_error(const BeastError& ec, const FieldFacts& facts, bool is_request) {
  if (ec.category() != bhttp::make_error_code(bhttp::error::need_more).category())
    return is_request ? DecodeError::BadRequestLine : DecodeError::BadStatusLine;
  switch (static_cast<bhttp::error>(ec.value())) {
    case bhttp::error::bad_method:
      return DecodeError::BadRequestLine;
    case bhttp::error::bad_target:
      return DecodeError::BadTarget;
    case bhttp::error::bad_version:
      return is_request ? DecodeError::BadVersion : DecodeError::BadStatusLine;
    case bhttp::error::bad_status:
    case bhttp::error::bad_reason:
      return DecodeError::BadStatusLine;
    case bhttp::error::bad_line_ending:
      return DecodeError::BareLineEnding;
    case bhttp::error::bad_field:
    case bhttp::error::bad_value:
    case bhttp::error::bad_obs_fold:
      return DecodeError::BadHeader;
    case bhttp::error::bad_content_length:
      if (facts.header_done)
        return DecodeError::BadChunk; // a Content-Length trailer
      return facts.transfer_encoding ? DecodeError::ContentLengthAndChunked
                                     : DecodeError::BadContentLength;
    case bhttp::error::bad_transfer_encoding:
      if (facts.header_done)
        return DecodeError::BadChunk;
      return facts.content_length ? DecodeError::ContentLengthAndChunked
                                  : DecodeError::UnsupportedTransferCoding;
    case bhttp::error::bad_chunk:
    case bhttp::error::bad_chunk_extension:
      return DecodeError::BadChunk;
    case bhttp::error::header_limit:
      return DecodeError::HeaderTooLarge;
    case bhttp::error::body_limit:
      return DecodeError::BodyTooLarge;
    case bhttp::error::partial_message:
      return DecodeError::Truncated;
    default:
      return is_request ? DecodeError::BadRequestLine : DecodeError::BadStatusLine;
  }
}

// Empties a head for the next message while keeping its buffers.
template <class Head> void reset_head(Head& head) {
  HeaderList headers = std::move(head.headers);
  headers.clear();
  if constexpr (requires { head.method; }) {
    std::string method = std::move(head.method);
    std::string target = std::move(head.target);
    method.clear();
    target.clear();
    head = Head{};
    head.method = std::move(method);
    head.target = std::move(target);
  } else {
    std::string reason = std::move(head.reason);
    reason.clear();
    head = Head{};
    head.reason = std::move(reason);
  }
  head.headers = std::move(headers);
}

// Scans a complete trailer section [begin, end) with the head rules (no obs-fold, no bare
// line endings, valid names and values). Beast has already found its end.
std::optional<DecodeError> check_trailers(const char* begin, const char* end,
                                          std::size_t max_bytes) {
  detail::HeadScanner scanner({detail::StartLine::None, false, max_bytes, 0});
  switch (scanner.scan(std::string_view(begin, static_cast<std::size_t>(end - begin)))) {
    case detail::HeadScanner::Status::Done:
      return std::nullopt;
    case detail::HeadScanner::Status::Failed:
      return scanner.error() == DecodeError::HeaderTooLarge ? DecodeError::BadChunk
                                                            : scanner.error();
    case detail::HeadScanner::Status::NeedMore:
      return DecodeError::BadChunk;
  }
  return DecodeError::BadChunk;
}

} // namespace

int status_for(DecodeError error) {
  switch (error) {
    case DecodeError::UnsupportedTransferCoding:
      return 501;
    case DecodeError::HeaderTooLarge:
      return 431;
    case DecodeError::UriTooLong:
      return 414;
    case DecodeError::BodyTooLarge:
      return 413;
    case DecodeError::BadStatusLine:
      return 502;
    default:
      return 400;
  }
}

std::string_view error_code(DecodeError error) {
  switch (error) {
    case DecodeError::BadRequestLine:
      return "bad_request_line";
    case DecodeError::BadTarget:
      return "bad_target";
    case DecodeError::BadVersion:
      return "bad_version";
    case DecodeError::BadHeader:
      return "bad_header";
    case DecodeError::ObsFold:
      return "obs_fold";
    case DecodeError::BareLineEnding:
      return "bare_line_ending";
    case DecodeError::BadContentLength:
      return "bad_content_length";
    case DecodeError::ContentLengthAndChunked:
      return "content_length_and_chunked";
    case DecodeError::UnsupportedTransferCoding:
      return "unsupported_transfer_coding";
    case DecodeError::BadChunk:
      return "bad_chunk";
    case DecodeError::HeaderTooLarge:
      return "header_too_large";
    case DecodeError::UriTooLong:
      return "uri_too_long";
    case DecodeError::BodyTooLarge:
      return "body_too_large";
    case DecodeError::BadStatusLine:
      return "bad_status_line";
    case DecodeError::Truncated:
      return "truncated";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// RequestDecoder

class RequestDecoder::Impl {
public:
  Impl(RequestDecoderCallbacks& callbacks, DecoderLimits limits)
      : callbacks_(callbacks), limits_(limits),
        scanner_(
            {detail::StartLine::Request, false, limits.max_header_bytes, limits.max_uri_bytes}) {
    begin_message();
  }

  std::expected<std::size_t, DecodeError> feed(std::string_view bytes);
  bool message_complete() const { return complete_; }
  bool idle() const { return !head_scanned_ && scanner_.scanned() == 0; }
  void next_message() { begin_message(); }
  void recycle(RequestHead&& spent) {
    spare_ = std::move(spent);
    has_spare_ = true;
  }

private:
  // Beast's parser, forwarding its events to the Impl. A new one per message: Beast 1.74
  // parsers cannot be reset. It lives in place (std::optional), so this allocates nothing.
  class Parser final : public bhttp::basic_parser<true> {
  public:
    explicit Parser(Impl& impl) : impl_(impl) {}

  private:
    void on_request_impl(bhttp::verb, BeastView method, BeastView target, int version,
                         BeastError& ec) override {
      impl_.on_request_line(to_std(method), to_std(target), version, ec);
    }
    void on_response_impl(int, BeastView, int, BeastError&) override {}
    void on_field_impl(bhttp::field f, BeastView name, BeastView value, BeastError& ec) override {
      impl_.on_field(f, to_std(name), to_std(value), ec);
    }
    void on_header_impl(BeastError& ec) override { impl_.on_header(*this, ec); }
    void on_body_init_impl(const boost::optional<std::uint64_t>&, BeastError&) override {}
    std::size_t on_body_impl(BeastView body, BeastError&) override {
      return impl_.on_body(to_std(body));
    }
    void on_chunk_header_impl(std::uint64_t size, BeastView ext, BeastError& ec) override {
      impl_.on_chunk_header(size, to_std(ext), ec);
    }
    std::size_t on_chunk_body_impl(std::uint64_t, BeastView body, BeastError&) override {
      return impl_.on_body(to_std(body));
    }
    void on_finish_impl(BeastError&) override { impl_.on_finish(); }

    Impl& impl_;
  };

  void begin_message();
  std::expected<std::size_t, DecodeError> skip_empty_lines(std::string_view bytes);
  std::expected<std::size_t, DecodeError> put(std::string_view bytes);
  std::unexpected<DecodeError> fail(DecodeError error) {
    error_ = error;
    return std::unexpected(error);
  }
  void stop(BeastError& ec, DecodeError error) {
    pending_ = error;
    ec = bhttp::error::bad_value; // any error ends Beast's put(); pending_ says which
  }

  void on_request_line(std::string_view method, std::string_view target, int version,
                       BeastError& ec);
  void on_field(bhttp::field f, std::string_view name, std::string_view value, BeastError& ec);
  void on_header(const Parser& parser, BeastError& ec);
  std::size_t on_body(std::string_view data) {
    if (!data.empty())
      callbacks_.on_request_body(data);
    return data.size();
  }
  void on_chunk_header(std::uint64_t size, std::string_view ext, BeastError& ec);
  void on_finish() {
    complete_ = true;
    callbacks_.on_request_complete();
  }

  RequestDecoderCallbacks& callbacks_;
  const DecoderLimits limits_;
  detail::HeadScanner scanner_;
  std::optional<Parser> parser_;
  RequestHead head_;
  RequestHead spare_;
  bool has_spare_ = false;
  FieldFacts facts_;
  std::size_t empty_line_bytes_ = 0;
  bool head_scanned_ = false;
  bool complete_ = false;
  const char* put_end_ = nullptr; // end of the buffer Beast is parsing (for trailers)
  std::size_t beast_needs_ = 0;   // see next_beast_offer()
  std::optional<DecodeError> pending_;
  std::optional<DecodeError> error_;
};

void RequestDecoder::Impl::begin_message() {
  if (has_spare_) {
    head_ = std::move(spare_);
    has_spare_ = false;
  }
  reset_head(head_);
  scanner_.reset();
  parser_.emplace(*this);
  parser_->eager(true); // deliver body bytes in the same put() as the head
  parser_->header_limit(beast_header_limit(limits_.max_header_bytes));
  parser_->body_limit(limits_.max_body_bytes ? limits_.max_body_bytes : kNoBodyLimit);
  facts_ = {};
  empty_line_bytes_ = 0;
  head_scanned_ = false;
  complete_ = false;
  beast_needs_ = 0;
  pending_.reset();
}

// RFC 9112 §2.2: a server SHOULD ignore empty lines before a request line (some clients send
// a CRLF after a POST body). They count against the head limit so they cannot go on forever.
std::expected<std::size_t, DecodeError>
RequestDecoder::Impl::skip_empty_lines(std::string_view bytes) {
  std::size_t skipped = 0;
  while (skipped < bytes.size()) {
    if (bytes[skipped] == '\n')
      return fail(DecodeError::BareLineEnding);
    if (bytes[skipped] != '\r' || skipped + 1 == bytes.size())
      break;
    if (bytes[skipped + 1] != '\n')
      return fail(DecodeError::BareLineEnding);
    skipped += 2;
    empty_line_bytes_ += 2;
    if (empty_line_bytes_ > limits_.max_header_bytes)
      return fail(DecodeError::HeaderTooLarge);
  }
  return skipped;
}

std::expected<std::size_t, DecodeError> RequestDecoder::Impl::feed(std::string_view bytes) {
  if (error_)
    return std::unexpected(*error_);
  if (complete_)
    return 0; // pipelined bytes wait for next_message()
  std::size_t skipped = 0;
  if (!head_scanned_) {
    if (scanner_.scanned() == 0) {
      auto empty = skip_empty_lines(bytes);
      if (!empty)
        return empty;
      skipped = *empty;
      bytes.remove_prefix(skipped);
      if (bytes == "\r")
        return skipped; // the start of another empty line, or an error
    }
    switch (scanner_.scan(bytes)) {
      case detail::HeadScanner::Status::NeedMore:
        return skipped;
      case detail::HeadScanner::Status::Failed:
        return fail(scanner_.error());
      case detail::HeadScanner::Status::Done:
        break;
    }
    head_scanned_ = true;
    head_.headers.reserve(scanner_.head_bytes(), scanner_.field_count());
  }
  auto used = put(bytes);
  if (!used)
    return used;
  return skipped + *used;
}

std::expected<std::size_t, DecodeError> RequestDecoder::Impl::put(std::string_view bytes) {
  if (bytes.empty() || bytes.size() < beast_needs_)
    return 0;
  put_end_ = bytes.data() + bytes.size();
  beast_needs_ = 0;
  BeastError ec;
  std::size_t used = parser_->put(boost::asio::const_buffer(bytes.data(), bytes.size()), ec);
  if (pending_)
    return fail(*pending_);
  if (is_beast_error(ec, bhttp::error::need_more)) {
    // Beast had the whole head, so it cannot want more of it unless the start line is cut
    // short; HeadScanner validates request lines, so this is a safety net.
    if (!facts_.header_done)
      return fail(DecodeError::BadRequestLine);
    // Only a chunk-size line or the trailer section can be incomplete here; Beast would wait
    // for its end without limit.
    std::size_t pending = bytes.size() - used;
    if (pending > limits_.max_header_bytes + kMaxChunkExtensionBytes + 64)
      return fail(DecodeError::BadChunk);
    beast_needs_ = next_beast_offer(bytes.substr(used));
    return used;
  }
  if (ec)
    return fail(map_beast_error(ec, facts_, true));
  return used;
}

void RequestDecoder::Impl::on_request_line(std::string_view method, std::string_view target,
                                           int version, BeastError& ec) {
  if (auto error = check_target(method, target))
    return stop(ec, *error);
  head_.method.assign(method);
  head_.target.assign(target);
  head_.version_minor = version % 10;
}

void RequestDecoder::Impl::on_field(bhttp::field f, std::string_view name, std::string_view value,
                                    BeastError& ec) {
  if (facts_.header_done)
    return; // a trailer: checked by on_chunk_header, then dropped
  head_.headers.add(name, value);
  switch (f) {
    case bhttp::field::content_length:
      if (facts_.transfer_encoding)
        return stop(ec, DecodeError::ContentLengthAndChunked);
      // Beast merges "5, 5" and repeated equal values; one plain value is all we accept.
      if (facts_.content_length || value.find(',') != std::string_view::npos)
        return stop(ec, DecodeError::BadContentLength);
      facts_.content_length = true;
      break;
    case bhttp::field::transfer_encoding:
      facts_.transfer_encoding = true;
      count_transfer_codings(value, facts_);
      break;
    case bhttp::field::host:
      ++facts_.hosts;
      if (!valid_host(value))
        facts_.bad_host = true;
      break;
    case bhttp::field::expect:
      if (iequals(value, "100-continue"))
        facts_.expect_continue = true;
      break;
    case bhttp::field::upgrade:
      facts_.upgrade = true;
      break;
    default:
      break;
  }
}

void RequestDecoder::Impl::on_header(const Parser& parser, BeastError& ec) {
  const bool http11 = head_.version_minor == 1;
  // RFC 9112 §3.2: exactly one valid Host in HTTP/1.1, at most one in HTTP/1.0. Two Hosts
  // would let us route on one while the backend serves the other.
  if (facts_.hosts > 1 || facts_.bad_host || (http11 && facts_.hosts == 0))
    return stop(ec, DecodeError::BadHeader);
  if (facts_.transfer_encoding) {
    if (facts_.content_length)
      return stop(ec, DecodeError::ContentLengthAndChunked);
    // HTTP/1.0 has no transfer codings (RFC 9112 §6.1: treat the framing as faulty).
    if (!http11 || facts_.transfer_codings != 1 || facts_.non_chunked_coding)
      return stop(ec, DecodeError::UnsupportedTransferCoding);
  }
  auto length = parser.content_length();
  if (parser.chunked())
    head_.body = BodyKind::Chunked;
  else if (length && *length > 0)
    head_.body = BodyKind::ContentLength;
  else
    head_.body = BodyKind::None;
  head_.content_length = head_.body == BodyKind::ContentLength ? *length : 0;
  head_.keep_alive = parser.keep_alive();
  head_.expect_continue = facts_.expect_continue && http11; // HTTP/1.0 ignores Expect
  head_.upgrade = parser.upgrade() && facts_.upgrade;
  facts_.header_done = true;
  callbacks_.on_request_head(std::move(head_));
}

void RequestDecoder::Impl::on_chunk_header(std::uint64_t size, std::string_view ext,
                                           BeastError& ec) {
  if (!chunk_extension_ok(ext))
    return stop(ec, DecodeError::BadChunk);
  if (size != 0)
    return;
  // The last chunk: Beast found the end of the trailer section and parses it next, leniently
  // (it unfolds obs-fold). The section starts after this line's CRLF.
  const char* trailers = ext.data() + ext.size() + 2;
  if (auto error = check_trailers(trailers, put_end_, limits_.max_header_bytes))
    stop(ec, *error);
}

RequestDecoder::RequestDecoder(RequestDecoderCallbacks& callbacks, DecoderLimits limits)
    : callbacks_(callbacks), limits_(limits), impl_(std::make_unique<Impl>(callbacks, limits)) {}
RequestDecoder::~RequestDecoder() = default;
std::expected<std::size_t, DecodeError> RequestDecoder::feed(std::string_view bytes) {
  if (!impl_)
    return 0; // complete: nothing is taken before next_message()
  return impl_->feed(bytes);
}
bool RequestDecoder::message_complete() const {
  return !impl_ || impl_->message_complete();
}
void RequestDecoder::next_message() {
  if (!impl_)
    impl_ = std::make_unique<Impl>(callbacks_, limits_);
  else
    impl_->next_message();
}
bool RequestDecoder::idle() const {
  return impl_ && impl_->idle();
}
void RequestDecoder::recycle(RequestHead&& spent) {
  if (impl_)
    impl_->recycle(std::move(spent));
}
void RequestDecoder::release_while_complete() {
  if (impl_ && impl_->message_complete())
    impl_.reset();
}

// ---------------------------------------------------------------------------------------------
// ResponseDecoder

class ResponseDecoder::Impl {
public:
  Impl(ResponseDecoderCallbacks& callbacks, std::size_t max_header_bytes)
      : callbacks_(callbacks), max_header_bytes_(max_header_bytes),
        scanner_({detail::StartLine::Status, true, max_header_bytes, 0}) {
    start_response(false);
  }

  void start_response(bool request_was_head) {
    request_was_head_ = request_was_head;
    offered_ = false;
    begin_head();
  }
  std::expected<std::size_t, DecodeError> feed(std::string_view bytes);
  std::expected<void, DecodeError> feed_eof();
  bool message_complete() const { return complete_; }
  bool started() const { return offered_; }
  void recycle(ResponseHead&& spent) {
    spare_ = std::move(spent);
    has_spare_ = true;
  }

private:
  class Parser final : public bhttp::basic_parser<false> {
  public:
    explicit Parser(Impl& impl) : impl_(impl) {}

  private:
    void on_request_impl(bhttp::verb, BeastView, BeastView, int, BeastError&) override {}
    void on_response_impl(int status, BeastView reason, int version, BeastError& ec) override {
      impl_.on_status_line(status, to_std(reason), version, ec);
    }
    void on_field_impl(bhttp::field f, BeastView name, BeastView value, BeastError& ec) override {
      impl_.on_field(f, to_std(name), to_std(value), ec);
    }
    void on_header_impl(BeastError& ec) override { impl_.on_header(*this, ec); }
    void on_body_init_impl(const boost::optional<std::uint64_t>&, BeastError&) override {}
    std::size_t on_body_impl(BeastView body, BeastError&) override {
      return impl_.on_body(to_std(body));
    }
    void on_chunk_header_impl(std::uint64_t, BeastView, BeastError&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, BeastView body, BeastError&) override {
      return impl_.on_body(to_std(body));
    }
    void on_finish_impl(BeastError&) override { impl_.on_finish(); }

    Impl& impl_;
  };

  // Prepares for a head: the response's, or the final one after a 1xx.
  void begin_head();
  std::expected<std::size_t, DecodeError> put(std::string_view bytes);
  std::unexpected<DecodeError> fail(DecodeError error) {
    error_ = error;
    return std::unexpected(error);
  }
  void on_status_line(int status, std::string_view reason, int version, BeastError& ec) {
    // Beast takes any three digits; "001" or "999" has no class a client could act on.
    if (status < 100 || status > 599) {
      pending_ = DecodeError::BadStatusLine;
      ec = bhttp::error::bad_status;
      return;
    }
    head_.status = status;
    head_.reason.assign(reason);
    head_.version_minor = version % 10;
  }
  void on_field(bhttp::field f, std::string_view name, std::string_view value, BeastError& ec);
  void on_header(const Parser& parser, BeastError& ec);
  std::size_t on_body(std::string_view data) {
    if (!data.empty())
      callbacks_.on_response_body(data);
    return data.size();
  }
  void on_finish() {
    if (informational_)
      return; // the final response follows on the same bytes
    complete_ = true;
    callbacks_.on_response_complete();
  }

  ResponseDecoderCallbacks& callbacks_;
  const std::size_t max_header_bytes_;
  detail::HeadScanner scanner_;
  std::optional<Parser> parser_;
  ResponseHead head_;
  ResponseHead spare_;
  bool has_spare_ = false;
  FieldFacts facts_;
  bool request_was_head_ = false;
  bool offered_ = false;
  bool head_scanned_ = false;
  bool informational_ = false;
  bool complete_ = false;
  std::size_t beast_needs_ = 0; // see next_beast_offer()
  std::optional<DecodeError> pending_;
  std::optional<DecodeError> error_;
};

void ResponseDecoder::Impl::begin_head() {
  if (has_spare_) {
    head_ = std::move(spare_);
    has_spare_ = false;
  }
  reset_head(head_);
  scanner_.reset();
  parser_.emplace(*this);
  parser_->eager(true);
  parser_->skip(request_was_head_);
  parser_->header_limit(beast_header_limit(max_header_bytes_));
  parser_->body_limit(kNoBodyLimit);
  facts_ = {};
  head_scanned_ = false;
  informational_ = false;
  complete_ = false;
  beast_needs_ = 0;
  pending_.reset();
}

std::expected<std::size_t, DecodeError> ResponseDecoder::Impl::feed(std::string_view bytes) {
  if (error_)
    return std::unexpected(*error_);
  if (complete_)
    return 0;
  if (!bytes.empty())
    offered_ = true;
  std::size_t total = 0;
  for (;;) {
    std::string_view rest = bytes.substr(total);
    if (!head_scanned_) {
      switch (scanner_.scan(rest)) {
        case detail::HeadScanner::Status::NeedMore:
          return total;
        case detail::HeadScanner::Status::Failed:
          return fail(scanner_.error());
        case detail::HeadScanner::Status::Done:
          break;
      }
      head_scanned_ = true;
      head_.headers.reserve(scanner_.head_bytes(), scanner_.field_count());
    }
    auto used = put(rest);
    if (!used)
      return used;
    total += *used;
    if (!informational_)
      return total;
    begin_head(); // a 1xx ended; parse the final response from the remaining bytes
  }
}

std::expected<std::size_t, DecodeError> ResponseDecoder::Impl::put(std::string_view bytes) {
  if (bytes.empty() || bytes.size() < beast_needs_)
    return 0;
  beast_needs_ = 0;
  BeastError ec;
  std::size_t used = parser_->put(boost::asio::const_buffer(bytes.data(), bytes.size()), ec);
  if (pending_)
    return fail(*pending_);
  if (is_beast_error(ec, bhttp::error::need_more)) {
    // Beast had the whole head: wanting more of it means a status line too short to parse
    // ("HTTP/1\r\n"), which it would otherwise wait on forever.
    if (!facts_.header_done)
      return fail(DecodeError::BadStatusLine);
    std::size_t pending = bytes.size() - used;
    if (pending > max_header_bytes_ + kMaxChunkExtensionBytes + 64)
      return fail(DecodeError::BadChunk); // a chunk line or trailers that never end
    beast_needs_ = next_beast_offer(bytes.substr(used));
    return used;
  }
  if (ec)
    return fail(map_beast_error(ec, facts_, false));
  return used;
}

std::expected<void, DecodeError> ResponseDecoder::Impl::feed_eof() {
  if (error_)
    return std::unexpected(*error_);
  if (complete_)
    return {};
  if (!facts_.header_done)
    return fail(DecodeError::Truncated);
  BeastError ec;
  parser_->put_eof(ec);
  if (ec || !complete_)
    return fail(DecodeError::Truncated);
  return {};
}

void ResponseDecoder::Impl::on_field(bhttp::field f, std::string_view name, std::string_view value,
                                     BeastError&) {
  if (facts_.header_done)
    return; // trailers are dropped
  head_.headers.add(name, value);
  if (f == bhttp::field::content_length)
    facts_.content_length = true;
  if (f == bhttp::field::transfer_encoding)
    facts_.transfer_encoding = true;
}

void ResponseDecoder::Impl::on_header(const Parser& parser, BeastError& ec) {
  // Beast accepts "Transfer-Encoding: gzip" followed by a Content-Length and frames by the
  // length; a client behind us might frame by the coding. Either way it is a backend fault.
  if (facts_.content_length && facts_.transfer_encoding) {
    pending_ = DecodeError::ContentLengthAndChunked;
    ec = bhttp::error::bad_transfer_encoding;
    return;
  }
  const int status = head_.status;
  auto length = parser.content_length();
  if (request_was_head_ || status / 100 == 1 || status == 204 || status == 304)
    head_.body = BodyKind::None;
  else if (parser.chunked())
    head_.body = BodyKind::Chunked;
  else if (length)
    head_.body = *length > 0 ? BodyKind::ContentLength : BodyKind::None;
  else
    head_.body = BodyKind::UntilClose;
  head_.content_length = head_.body == BodyKind::ContentLength ? *length : 0;
  head_.keep_alive = parser.keep_alive();
  facts_.header_done = true;
  if (status / 100 == 1 && status != 101) {
    informational_ = true;
    callbacks_.on_informational(std::move(head_));
  } else {
    callbacks_.on_response_head(std::move(head_));
  }
}

ResponseDecoder::ResponseDecoder(ResponseDecoderCallbacks& callbacks, std::size_t max_header_bytes)
    : impl_(std::make_unique<Impl>(callbacks, max_header_bytes)) {}
ResponseDecoder::~ResponseDecoder() = default;
void ResponseDecoder::start_response(bool request_was_head) {
  impl_->start_response(request_was_head);
}
std::expected<std::size_t, DecodeError> ResponseDecoder::feed(std::string_view bytes) {
  return impl_->feed(bytes);
}
std::expected<void, DecodeError> ResponseDecoder::feed_eof() {
  return impl_->feed_eof();
}
bool ResponseDecoder::message_complete() const {
  return impl_->message_complete();
}
bool ResponseDecoder::started() const {
  return impl_->started();
}
void ResponseDecoder::recycle(ResponseHead&& spent) {
  impl_->recycle(std::move(spent));
}

} // namespace stgw::http
