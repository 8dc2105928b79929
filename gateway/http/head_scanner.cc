#include "gateway/http/head_scanner.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace stgw::http::detail {
namespace {

using Table = std::array<bool, 256>;

// tchar (RFC 9110 §5.6.2): the characters of methods and field names.
constexpr Table make_tchar() {
  Table t{};
  for (int c = '0'; c <= '9'; ++c)
    t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c)
    t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c)
    t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~"))
    t[static_cast<unsigned char>(c)] = true;
  return t;
}

// Request-target bytes: visible ASCII. Raw bytes >= 0x80 are not URI characters (a client must
// percent-encode them), and a backend may decode them differently from us.
constexpr Table make_target_char() {
  Table t{};
  for (int c = 0x21; c <= 0x7e; ++c)
    t[c] = true;
  return t;
}

// field-value bytes (RFC 9110 §5.5): VCHAR, SP, HTAB and obs-text; never NUL, CR, LF or
// another control character.
constexpr Table make_value_char() {
  Table t{};
  t['\t'] = true;
  for (int c = 0x20; c <= 0x7e; ++c)
    t[c] = true;
  for (int c = 0x80; c <= 0xff; ++c)
    t[c] = true;
  return t;
}

constexpr Table kTchar = make_tchar();
constexpr Table kTargetChar = make_target_char();
constexpr Table kValueChar = make_value_char();

// Eight bytes at a time for the long runs (cookies, user agents, query strings): these tell
// whether all eight are plain value/target bytes; anything else goes through the tables.
constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

std::uint64_t load8(const unsigned char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}
// Nonzero if some byte of |w| is below |n| (n <= 128); bytes >= 0x80 never count.
constexpr std::uint64_t has_less(std::uint64_t w, std::uint64_t n) {
  return (w - kOnes * n) & ~w & kHighs;
}
constexpr std::uint64_t has_byte(std::uint64_t w, std::uint64_t b) {
  return has_less(w ^ (kOnes * b), 1);
}
// SP through '~' and obs-text; HTAB is valid too but takes the slow path.
constexpr bool plain_value8(std::uint64_t w) {
  return !(has_less(w, 0x20) | has_byte(w, 0x7f));
}
// '!' through '~'.
constexpr bool plain_target8(std::uint64_t w) {
  return !(has_less(w, 0x21) | has_byte(w, 0x7f) | (w & kHighs));
}

#if defined(__SSE2__)
// Sixteen bytes at a time (x86-64 always has SSE2): true when none is a control byte or DEL.
bool plain_value16(const unsigned char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v); // v <= 0x1f
  const __m128i del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f));
  return _mm_movemask_epi8(_mm_or_si128(control, del)) == 0;
}
#endif

std::size_t skip_value(const unsigned char* s, std::size_t i, std::size_t end) {
  for (;;) {
#if defined(__SSE2__)
    while (end - i >= 16 && plain_value16(s + i))
      i += 16;
#endif
    while (end - i >= 8 && plain_value8(load8(s + i)))
      i += 8;
    if (i == end || !kValueChar[s[i]])
      return i;
    ++i;
  }
}

std::size_t skip_target(const unsigned char* s, std::size_t i, std::size_t end) {
  while (end - i >= 8 && plain_target8(load8(s + i)))
    i += 8;
  while (i < end && kTargetChar[s[i]])
    ++i;
  return i;
}

} // namespace

void HeadScanner::reset() {
  switch (options_.start_line) {
    case StartLine::Request:
      state_ = State::Method;
      break;
    case StartLine::Status:
      state_ = State::StatusLine;
      break;
    case StartLine::None:
      state_ = State::LineStart;
      break;
  }
  pos_ = 0;
  mark_ = 0;
  fields_ = 0;
}

HeadScanner::Status HeadScanner::fail(DecodeError error) {
  error_ = error;
  return Status::Failed;
}

bool HeadScanner::version_ok(std::string_view bytes, std::size_t end) const {
  std::string_view version = bytes.substr(mark_, end - mark_);
  return version == "HTTP/1.1" || version == "HTTP/1.0";
}

// One state machine over the head, resumable at any byte: the caller may deliver the head one
// byte at a time and every byte is looked at once. Long, but each case is one grammar rule.
HeadScanner::Status HeadScanner::scan(std::string_view bytes) {
  if (state_ == State::Done)
    return Status::Done;
  // A caller that re-offers fewer bytes than before broke the contract; start over rather than
  // read out of bounds.
  if (bytes.size() < pos_)
    reset();
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  // Nothing past the limit is ever needed: a head that has not ended by then is too large.
  const std::size_t end = std::min(bytes.size(), options_.max_head_bytes);
  std::size_t i = pos_;
  while (i < end) {
    switch (state_) {
      case State::Method:
        while (i < end && kTchar[s[i]])
          ++i;
        if (i == end)
          break;
        if (s[i] != ' ' || i == 0)
          return fail(DecodeError::BadRequestLine);
        mark_ = ++i;
        state_ = State::Target;
        break;
      case State::Target:
        i = skip_target(s, i, end);
        if (i - mark_ > options_.max_target_bytes)
          return fail(DecodeError::UriTooLong);
        if (i == end)
          break;
        if (s[i] == ' ') {
          if (i == mark_)
            return fail(DecodeError::BadRequestLine);
          mark_ = ++i;
          state_ = State::Version;
          break;
        }
        // "GET /\r\n" is an HTTP/0.9 request line: no version at all.
        if (s[i] == '\r' || s[i] == '\n')
          return fail(DecodeError::BadRequestLine);
        return fail(DecodeError::BadTarget);
      case State::Version:
        while (i < end && s[i] != '\r' && s[i] != '\n' && i - mark_ < 8)
          ++i;
        if (i == end)
          break;
        if (s[i] == '\n')
          return fail(DecodeError::BareLineEnding);
        if (s[i] != '\r' || !version_ok(bytes, i))
          return fail(DecodeError::BadVersion);
        ++i;
        state_ = State::StartLineLf;
        break;
      case State::StatusLine:
        i = skip_value(s, i, end);
        if (i == end)
          break;
        if (s[i] == '\n')
          return fail(DecodeError::BareLineEnding);
        if (s[i] != '\r')
          return fail(DecodeError::BadStatusLine);
        ++i;
        state_ = State::StartLineLf;
        break;
      case State::StartLineLf:
        if (s[i] != '\n')
          return fail(DecodeError::BareLineEnding);
        ++i;
        state_ = State::LineStart;
        break;
      case State::LineStart:
        if (s[i] == '\r') {
          ++i;
          state_ = State::EndLf;
        } else if (s[i] == ' ' || s[i] == '\t') {
          // A continuation line (obs-fold) after a field, or whitespace before the first field
          // (RFC 9112 §2.2), which some parsers would read as part of the start line.
          if (fields_ == 0)
            return fail(DecodeError::BadHeader);
          if (!options_.allow_obs_fold)
            return fail(DecodeError::ObsFold);
          state_ = State::Value;
        } else if (s[i] == '\n') {
          return fail(DecodeError::BareLineEnding);
        } else {
          mark_ = i;
          state_ = State::Name;
        }
        break;
      case State::Name:
        while (i < end && kTchar[s[i]])
          ++i;
        if (i == end)
          break;
        // Anything else before the colon, whitespace included (RFC 9112 §5.1), is an error.
        if (s[i] != ':' || i == mark_)
          return fail(DecodeError::BadHeader);
        ++i;
        ++fields_;
        state_ = State::Value;
        break;
      case State::Value:
        i = skip_value(s, i, end);
        if (i == end)
          break;
        if (s[i] == '\n')
          return fail(DecodeError::BareLineEnding);
        if (s[i] != '\r')
          return fail(DecodeError::BadHeader);
        ++i;
        state_ = State::ValueLf;
        break;
      case State::ValueLf:
        if (s[i] != '\n')
          return fail(DecodeError::BareLineEnding);
        ++i;
        state_ = State::LineStart;
        break;
      case State::EndLf:
        if (s[i] != '\n')
          return fail(DecodeError::BareLineEnding);
        pos_ = i + 1;
        state_ = State::Done;
        return Status::Done;
      case State::Done:
        return Status::Done;
    }
  }
  pos_ = i;
  if (pos_ >= options_.max_head_bytes)
    return fail(DecodeError::HeaderTooLarge);
  return Status::NeedMore;
}

} // namespace stgw::http::detail
