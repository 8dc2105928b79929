#include "loadtest/load/response_parser.h"

#include <cstring>

namespace stgw::load {
namespace {

constexpr std::string_view kHeadEnd = "\r\n\r\n";

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != b[i])
      return false;
  }
  return true;
}

// True when the comma-separated |list| holds |token| (lower-case), ignoring case and spaces.
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
      item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
      item.remove_suffix(1);
    if (iequals(item, token))
      return true;
    if (comma == std::string_view::npos)
      break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

} // namespace

void ResponseParser::reset() {
  state_ = State::Head;
  error_ = ParseErrc::None;
  info_ = ResponseInfo{};
  mode_ = BodyMode::None;
  chunk_ = ChunkState::Size;
  remaining_ = 0;
  chunk_digits_ = 0;
  started_ = false;
  no_body_ = false;
  head_.clear();
}

void ResponseParser::fail(ParseErrc code) {
  state_ = State::Error;
  error_ = code;
}

std::size_t ResponseParser::feed(std::string_view data) {
  std::size_t used = 0;
  if (!data.empty())
    started_ = true;
  while (used < data.size() && (state_ == State::Head || state_ == State::Body)) {
    std::string_view rest = data.substr(used);
    used += state_ == State::Head ? feed_head(rest) : feed_body(rest);
  }
  return used;
}

std::size_t ResponseParser::feed_head(std::string_view data) {
  std::string_view head;
  std::size_t used = 0;
  if (head_.empty()) {
    // The usual case: the whole head is in this read; parse it in place.
    auto end = data.find(kHeadEnd);
    if (end != std::string_view::npos) {
      head = data.substr(0, end + 2);
      used = end + kHeadEnd.size();
    }
  }
  if (head.empty()) {
    std::size_t before = head_.size();
    std::size_t search_from = before < 3 ? 0 : before - 3;
    head_.append(data.data(), std::min(data.size(), kMaxHeadBytes + 4 - before));
    auto end = std::string_view(head_).find(kHeadEnd, search_from);
    if (end == std::string_view::npos) {
      if (head_.size() > kMaxHeadBytes)
        fail(ParseErrc::HeadTooLarge);
      return data.size();
    }
    used = end + kHeadEnd.size() - before;
    head_.resize(end + 2);
    head = head_;
  }
  if (head.size() > kMaxHeadBytes) {
    fail(ParseErrc::HeadTooLarge);
    return used;
  }
  if (!parse_head(head))
    return used;
  head_.clear();
  return used;
}

bool ResponseParser::parse_head(std::string_view head) {
  // "HTTP/1.1 200 OK\r\n": the status code sits at bytes 9..11.
  if (head.size() < 14 || !head.starts_with("HTTP/1.") || head[8] != ' ' ||
      (head.size() > 12 && head[12] != ' ' && head[12] != '\r')) {
    fail(ParseErrc::BadStatusLine);
    return false;
  }
  int status = 0;
  for (int i = 9; i < 12; ++i) {
    if (head[i] < '0' || head[i] > '9') {
      fail(ParseErrc::BadStatusLine);
      return false;
    }
    status = status * 10 + (head[i] - '0');
  }
  bool http10 = head[7] == '0';
  bool keep_alive = !http10;
  bool chunked = false;
  bool has_length = false;
  std::uint64_t length = 0;

  std::size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    std::size_t start = pos + 2;
    std::size_t eol = head.find("\r\n", start);
    std::string_view line = head.substr(start, eol - start);
    pos = eol;
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      continue;
    std::string_view name = line.substr(0, colon);
    // Only three header names matter; test the length first to skip the rest cheaply.
    if (name.size() == 14 && iequals(name, "content-length")) {
      std::string_view value = trim(line.substr(colon + 1));
      std::uint64_t v = 0;
      if (value.empty() || value.size() > 18) {
        fail(ParseErrc::BadContentLength);
        return false;
      }
      for (char c : value) {
        if (c < '0' || c > '9') {
          fail(ParseErrc::BadContentLength);
          return false;
        }
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
      }
      if (has_length && v != length) {
        fail(ParseErrc::BadContentLength);
        return false;
      }
      has_length = true;
      length = v;
    } else if (name.size() == 17 && iequals(name, "transfer-encoding")) {
      chunked = has_token(line.substr(colon + 1), "chunked");
    } else if (name.size() == 10 && iequals(name, "connection")) {
      std::string_view value = line.substr(colon + 1);
      if (has_token(value, "close"))
        keep_alive = false;
      else if (has_token(value, "keep-alive"))
        keep_alive = true;
    }
  }

  if (status >= 100 && status < 200 && status != 101) {
    // An interim answer: the real one follows on the same connection.
    return true;
  }
  info_.status = status;
  info_.keep_alive = keep_alive;
  if (no_body_ || status == 204 || status == 304 || status == 101) {
    mode_ = BodyMode::None;
    state_ = State::Complete;
  } else if (chunked) {
    mode_ = BodyMode::Chunked;
    state_ = State::Body;
  } else if (has_length) {
    mode_ = BodyMode::Length;
    remaining_ = length;
    state_ = length == 0 ? State::Complete : State::Body;
  } else {
    mode_ = BodyMode::UntilClose;
    info_.keep_alive = false;
    state_ = State::Body;
  }
  return true;
}

std::size_t ResponseParser::feed_body(std::string_view data) {
  switch (mode_) {
    case BodyMode::Length: {
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size()));
      remaining_ -= n;
      info_.body_bytes += n;
      if (remaining_ == 0)
        state_ = State::Complete;
      return n;
    }
    case BodyMode::Chunked:
      return feed_chunked(data);
    case BodyMode::UntilClose:
      info_.body_bytes += data.size();
      return data.size();
    case BodyMode::None:
      state_ = State::Complete;
      return 0;
  }
  return data.size();
}

// A byte-at-a-time state machine for the framing; chunk data itself is skipped in one step.
std::size_t ResponseParser::feed_chunked(std::string_view data) {
  std::size_t i = 0;
  while (i < data.size() && state_ == State::Body) {
    char c = data[i];
    switch (chunk_) {
      case ChunkState::Size: {
        int h = hex_value(c);
        if (h >= 0) {
          if (++chunk_digits_ > 15) {
            fail(ParseErrc::BadChunk);
            return i;
          }
          remaining_ = remaining_ * 16 + static_cast<std::uint64_t>(h);
        } else if (chunk_digits_ > 0 && (c == ';' || c == ' ' || c == '\t')) {
          chunk_ = ChunkState::Extension;
        } else if (chunk_digits_ > 0 && c == '\r') {
          chunk_ = ChunkState::SizeLf;
        } else {
          fail(ParseErrc::BadChunk);
          return i;
        }
        ++i;
        break;
      }
      case ChunkState::Extension:
        if (c == '\r')
          chunk_ = ChunkState::SizeLf;
        ++i;
        break;
      case ChunkState::SizeLf:
        if (c != '\n') {
          fail(ParseErrc::BadChunk);
          return i;
        }
        chunk_ = remaining_ == 0 ? ChunkState::TrailerStart : ChunkState::Data;
        chunk_digits_ = 0;
        ++i;
        break;
      case ChunkState::Data: {
        std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size() - i));
        remaining_ -= n;
        info_.body_bytes += n;
        i += n;
        if (remaining_ == 0)
          chunk_ = ChunkState::DataCr;
        break;
      }
      case ChunkState::DataCr:
      case ChunkState::DataLf:
        if (c != (chunk_ == ChunkState::DataCr ? '\r' : '\n')) {
          fail(ParseErrc::BadChunk);
          return i;
        }
        chunk_ = chunk_ == ChunkState::DataCr ? ChunkState::DataLf : ChunkState::Size;
        ++i;
        break;
      case ChunkState::TrailerStart:
        chunk_ = c == '\r' ? ChunkState::FinalLf : ChunkState::Trailer;
        ++i;
        break;
      case ChunkState::Trailer:
        if (c == '\n')
          chunk_ = ChunkState::TrailerStart;
        ++i;
        break;
      case ChunkState::FinalLf:
        if (c != '\n') {
          fail(ParseErrc::BadChunk);
          return i;
        }
        state_ = State::Complete;
        ++i;
        break;
    }
  }
  return i;
}

ResponseParser::State ResponseParser::on_eof() {
  if (state_ == State::Body && mode_ == BodyMode::UntilClose)
    state_ = State::Complete;
  return state_;
}

} // namespace stgw::load
