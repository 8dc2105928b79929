#include "gateway/http/message.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <limits>

namespace stgw::http {
namespace {

constexpr std::array<unsigned char, 256> make_lower_table() {
  std::array<unsigned char, 256> table{};
  for (int c = 0; c < 256; ++c)
    table[c] = static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
  return table;
}
constexpr auto kLower = make_lower_table();

constexpr std::string_view kRootPath = "/";

void append_decimal(int value, std::string& out) {
  char digits[16];
  auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

// The authority of an absolute-form target ("http://host:port/path" → "host:port"), or an empty
// optional for origin form.
std::optional<std::string_view> absolute_authority(std::string_view target) {
  std::size_t scheme_end = target.find("://");
  if (target.empty() || target.front() == '/' || scheme_end == std::string_view::npos)
    return std::nullopt;
  std::string_view rest = target.substr(scheme_end + 3);
  return rest.substr(0, rest.find_first_of("/?#"));
}

// "host:port" → "host"; "[::1]:443" → "[::1]" (an IP literal keeps its brackets, as in a URI).
std::string_view strip_port(std::string_view authority) {
  if (std::size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    return close == std::string_view::npos ? authority : authority.substr(0, close + 1);
  }
  return authority.substr(0, authority.find(':'));
}

} // namespace

// Reason phrases for the statuses the gateway itself produces; others get "Unknown" (the
// phrase carries no meaning in HTTP/1.1, but some clients log it).
std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 103:
      return "Early Hints";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 417:
      return "Expectation Failed";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (kLower[static_cast<unsigned char>(a[i])] != kLower[static_cast<unsigned char>(b[i])])
      return false;
  }
  return true;
}

void HeaderList::reserve(std::size_t bytes, std::size_t fields) {
  storage_.reserve(bytes);
  entries_.reserve(fields);
}

void HeaderList::compact() {
  std::size_t live = 0;
  for (const Entry& e : entries_)
    live += e.name_length + e.value_length;
  std::string storage;
  storage.reserve(live);
  for (Entry& e : entries_) {
    auto name_at = static_cast<std::uint32_t>(storage.size());
    storage.append(storage_, e.name_offset, e.name_length);
    auto value_at = static_cast<std::uint32_t>(storage.size());
    storage.append(storage_, e.value_offset, e.value_length);
    e.name_offset = name_at;
    e.value_offset = value_at;
  }
  storage_ = std::move(storage);
  entries_.shrink_to_fit();
}

void HeaderList::add(std::string_view name, std::string_view value) {
  // The views may point into storage_ itself (copying one of our own fields); growing the
  // string would move those bytes, so remember them as offsets first.
  const char* base = storage_.data();
  auto inside = [&](std::string_view v) {
    return !v.empty() && v.data() >= base && v.data() < base + storage_.size();
  };
  const bool name_inside = inside(name);
  const bool value_inside = inside(value);
  const std::size_t name_at = name_inside ? static_cast<std::size_t>(name.data() - base) : 0;
  const std::size_t value_at = value_inside ? static_cast<std::size_t>(value.data() - base) : 0;

  const std::size_t start = storage_.size();
  assert(start + name.size() + value.size() <= std::numeric_limits<std::uint32_t>::max());
  if (storage_.capacity() < start + name.size() + value.size())
    storage_.reserve(std::max(storage_.capacity() * 2, start + name.size() + value.size()));
  if (name_inside)
    storage_.append(storage_, name_at, name.size());
  else
    storage_.append(name);
  if (value_inside)
    storage_.append(storage_, value_at, value.size());
  else
    storage_.append(value);

  entries_.push_back(Entry{
      static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(name.size()),
      static_cast<std::uint32_t>(start + name.size()), static_cast<std::uint32_t>(value.size())});
}

void HeaderList::set(std::string_view name, std::string_view value) {
  // Append before removing: |value| may be a view of a field that remove() would drop.
  add(name, value);
  Entry added = entries_.back();
  entries_.pop_back();
  remove(std::string_view(storage_).substr(added.name_offset, added.name_length));
  entries_.push_back(added);
}

std::size_t HeaderList::remove(std::string_view name) {
  return remove_if([name](std::string_view field) { return iequals(field, name); });
}

std::optional<std::string_view> HeaderList::get(std::string_view name) const {
  for (const Entry& e : entries_) {
    if (e.name_length == name.size() &&
        iequals(std::string_view(storage_).substr(e.name_offset, e.name_length), name))
      return std::string_view(storage_).substr(e.value_offset, e.value_length);
  }
  return std::nullopt;
}

std::size_t HeaderList::count(std::string_view name) const {
  std::size_t n = 0;
  for (const Entry& e : entries_) {
    if (iequals(std::string_view(storage_).substr(e.name_offset, e.name_length), name))
      ++n;
  }
  return n;
}

HeaderList::Field HeaderList::operator[](std::size_t i) const {
  const Entry& e = entries_[i];
  std::string_view all(storage_);
  return Field{all.substr(e.name_offset, e.name_length),
               all.substr(e.value_offset, e.value_length)};
}

void HeaderList::clear() {
  storage_.clear();
  entries_.clear();
}

void HeaderList::serialize(std::string& out) const {
  std::size_t bytes = 0;
  for (const Entry& e : entries_)
    bytes += e.name_length + e.value_length + 4;
  out.reserve(out.size() + bytes);
  for (const Entry& e : entries_) {
    out.append(storage_, e.name_offset, e.name_length);
    out.append(": ");
    out.append(storage_, e.value_offset, e.value_length);
    out.append("\r\n");
  }
}

std::string_view RequestHead::path() const {
  std::string_view t(target);
  if (auto authority = absolute_authority(t)) {
    std::size_t after = static_cast<std::size_t>(authority->data() + authority->size() - t.data());
    t.remove_prefix(after);
    if (t.empty() || t.front() != '/')
      return kRootPath;
  }
  return t.substr(0, t.find_first_of("?#"));
}

std::string_view RequestHead::host() const {
  if (auto authority = absolute_authority(target))
    return strip_port(*authority);
  if (auto value = headers.get("Host"))
    return strip_port(*value);
  return {};
}

void serialize_request_start(const RequestHead& head, std::string& out) {
  out.append(head.method);
  out.push_back(' ');
  out.append(head.target);
  out.append(" HTTP/1.1\r\n");
  head.headers.serialize(out);
}

void serialize_request_head(const RequestHead& head, std::string& out) {
  serialize_request_start(head, out);
  out.append("\r\n");
}

void serialize_response_head(const ResponseHead& head, std::string& out) {
  out.append("HTTP/1.1 ");
  append_decimal(head.status, out);
  out.push_back(' ');
  out.append(head.reason.empty() ? reason_phrase(head.status) : std::string_view(head.reason));
  out.append("\r\n");
  head.headers.serialize(out);
  out.append("\r\n");
}

void serialize_chunk_header(std::uint64_t size, std::string& out) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, size, 16);
  out.append(digits, result.ptr);
  out.append("\r\n");
}

bool is_hop_by_hop(std::string_view name) {
  // Dispatch on length first: this runs for every header of every proxied message.
  switch (name.size()) {
    case 2:
      return iequals(name, "TE");
    case 7:
      return iequals(name, "Trailer") || iequals(name, "Upgrade");
    case 10:
      return iequals(name, "Connection") || iequals(name, "Keep-Alive");
    case 16:
      return iequals(name, "Proxy-Connection");
    case 17:
      return iequals(name, "Transfer-Encoding");
    case 18:
      return iequals(name, "Proxy-Authenticate");
    case 19:
      return iequals(name, "Proxy-Authorization");
    default:
      return false;
  }
}

} // namespace stgw::http
