#include "gateway/server/access_log.h"

#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

namespace stgw::server {
namespace {

constexpr std::string_view kRedacted = "redacted";

// Length of the well-formed UTF-8 sequence at |s[i]| (Unicode 15, table 3-7: no overlong forms,
// no surrogates, nothing above U+10FFFF), or 0 when it is not one.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) -> unsigned { return static_cast<unsigned char>(s[i + k]); };
  auto in = [](unsigned b, unsigned lo, unsigned hi) { return b >= lo && b <= hi; };
  unsigned lead = byte(0);
  std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  if (lead < 0xC2 || lead > 0xF4 || i + length > s.size())
    return 0;
  unsigned second_lo = 0x80, second_hi = 0xBF;
  if (lead == 0xE0)
    second_lo = 0xA0;
  if (lead == 0xED)
    second_hi = 0x9F;
  if (lead == 0xF0)
    second_lo = 0x90;
  if (lead == 0xF4)
    second_hi = 0x8F;
  if (!in(byte(1), second_lo, second_hi))
    return 0;
  for (std::size_t k = 2; k < length; ++k)
    if (!in(byte(k), 0x80, 0xBF))
      return 0;
  return length;
}

void append_escaped_ascii(std::string& out, char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      break;
  }
  auto byte = static_cast<unsigned char>(c);
  if (byte < 0x20 || byte == 0x7F) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += "\\u00";
    out += kHex[byte >> 4];
    out += kHex[byte & 0xF];
  } else {
    out += c;
  }
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool contains_ignore_case(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size())
    return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() && lower(haystack[i + k]) == needle[k])
      ++k;
    if (k == needle.size())
      return true;
  }
  return false;
}

// Query parameters whose values are credentials often enough that logging them is never worth it.
bool is_secret_parameter(std::string_view name) {
  static constexpr std::array<std::string_view, 7> kWords = {"token",  "ltpa", "session", "passw",
                                                             "secret", "auth", "nonce"};
  for (auto word : kWords)
    if (contains_ignore_case(name, word))
      return true;
  return false;
}

// The path part, with every ";jsessionid=VALUE" turned into ";jsessionid=redacted[:clone]".
// |out| takes string_view pieces, cut only at ASCII characters so that a UTF-8 sequence is never
// split (the access line escapes the pieces as they come, without a temporary string).
template <class Sink> void emit_redacted_path(Sink&& out, std::string_view path) {
  static constexpr std::string_view kParameter = ";jsessionid=";
  while (!path.empty()) {
    std::size_t at = std::string_view::npos;
    for (std::size_t i = 0; i + kParameter.size() <= path.size(); ++i) {
      if (path[i] == ';' && contains_ignore_case(path.substr(i, kParameter.size()), kParameter)) {
        at = i;
        break;
      }
    }
    if (at == std::string_view::npos) {
      out(path);
      return;
    }
    out(path.substr(0, at + kParameter.size()));
    path.remove_prefix(at + kParameter.size());
    std::size_t end = std::min(path.find_first_of(";/"), path.size());
    std::string_view value = path.substr(0, end);
    out(kRedacted);
    if (auto colon = value.rfind(':'); colon != std::string_view::npos)
      out(value.substr(colon)); // the clone id routes, it does not authenticate
    path.remove_prefix(end);
  }
}

template <class Sink> void emit_redacted_query(Sink&& out, std::string_view query) {
  bool first = true;
  while (true) {
    std::size_t end = std::min(query.find('&'), query.size());
    std::string_view parameter = query.substr(0, end);
    if (!first)
      out("&");
    first = false;
    std::size_t equals = parameter.find('=');
    if (equals != std::string_view::npos && is_secret_parameter(parameter.substr(0, equals))) {
      out(parameter.substr(0, equals + 1));
      out(kRedacted);
    } else {
      out(parameter);
    }
    if (end == query.size())
      return;
    query.remove_prefix(end + 1);
  }
}

template <class Integer> void append_number(std::string& out, Integer value) {
  char digits[24];
  auto [end, ec] = std::to_chars(std::begin(digits), std::end(digits), value);
  out.append(digits, end);
}

template <class Sink>
void emit_logged_path(Sink&& out, std::string_view target, bool include_query) {
  std::size_t question = target.find('?');
  emit_redacted_path(out, target.substr(0, question));
  if (include_query && question != std::string_view::npos) {
    out("?");
    emit_redacted_query(out, target.substr(question + 1));
  }
}

void append_json_chars(std::string& out, std::string_view value) {
  std::size_t i = 0;
  while (i < value.size()) {
    if (static_cast<unsigned char>(value[i]) < 0x80) {
      append_escaped_ascii(out, value[i]);
      ++i;
    } else if (std::size_t length = utf8_sequence_length(value, i); length != 0) {
      out.append(value.substr(i, length));
      i += length;
    } else {
      out += "\\ufffd";
      ++i;
    }
  }
}

void append_two_digits(std::string& out, int value) {
  out += static_cast<char>('0' + value / 10);
  out += static_cast<char>('0' + value % 10);
}

// A string field, or null when empty: "absent" reads better in a log query than "".
void append_optional_string(std::string& out, std::string_view value) {
  if (value.empty())
    out += "null";
  else
    append_json_string(out, value);
}

void append_field_name(std::string& out, std::string_view name) {
  out += ",\"";
  out += name;
  out += "\":";
}

// Writes all of |bytes| to |fd|, retrying EINTR and short writes. False on any other error.
bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::expected<int, std::string> open_log_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
  if (fd < 0)
    return std::unexpected(fmt::format("access log {}: {}", path, std::strerror(errno)));
  return fd;
}

} // namespace

void append_json_string(std::string& out, std::string_view value) {
  out += '"';
  append_json_chars(out, value);
  out += '"';
}

void append_logged_path(std::string& out, std::string_view target, bool include_query) {
  emit_logged_path([&out](std::string_view piece) { out.append(piece); }, target, include_query);
}

void append_iso8601_utc(std::string& out, std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  auto seconds = floor<std::chrono::seconds>(time);
  auto millis = duration_cast<milliseconds>(time - seconds).count();
  std::time_t t = system_clock::to_time_t(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  append_number(out, tm.tm_year + 1900);
  out += '-';
  append_two_digits(out, tm.tm_mon + 1);
  out += '-';
  append_two_digits(out, tm.tm_mday);
  out += 'T';
  append_two_digits(out, tm.tm_hour);
  out += ':';
  append_two_digits(out, tm.tm_min);
  out += ':';
  append_two_digits(out, tm.tm_sec);
  out += '.';
  out += static_cast<char>('0' + millis / 100);
  append_two_digits(out, static_cast<int>(millis % 100));
  out += 'Z';
}

void append_access_line(std::string& out, const proxy::ExchangeRecord& record, bool include_query) {
  out += "{\"time\":\"";
  append_iso8601_utc(out, record.start);
  out += '"';
  append_field_name(out, "client");
  append_json_string(out, record.client_ip);
  append_field_name(out, "method");
  append_json_string(out, record.method);
  append_field_name(out, "path");
  out += '"';
  emit_logged_path([&out](std::string_view piece) { append_json_chars(out, piece); }, record.target,
                   include_query);
  out += '"';
  append_field_name(out, "status");
  append_number(out, record.status);
  append_field_name(out, "bytes_in");
  append_number(out, record.bytes_in);
  append_field_name(out, "bytes_out");
  append_number(out, record.bytes_out);
  append_field_name(out, "duration_ms");
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(record.duration).count();
  fmt::format_to(std::back_inserter(out), "{}.{:03}", micros / 1000, micros % 1000);
  append_field_name(out, "route");
  append_optional_string(out, record.route);
  append_field_name(out, "backend");
  append_optional_string(out, record.backend);
  append_field_name(out, "server");
  append_optional_string(out, record.server);
  append_field_name(out, "user");
  append_optional_string(out, record.user);
  append_field_name(out, "token_format");
  append_optional_string(out, record.token_format);
  append_field_name(out, "tls");
  append_optional_string(out, record.tls_version);
  append_field_name(out, "parked");
  out += record.parked ? "true" : "false";
  append_field_name(out, "error");
  append_optional_string(out, record.error);
  append_field_name(out, "listener");
  append_json_string(out, record.listener);
  out += "}\n";
}

std::expected<std::unique_ptr<AccessLog>, std::string>
AccessLog::open(const config::AccessLogConfig& config) {
  if (config.path.empty())
    return std::unique_ptr<AccessLog>();
  if (config.format != "json")
    return std::unexpected(
        fmt::format("access log: format \"{}\" is not supported (only \"json\")", config.format));
  if (config.path == "-")
    return std::unique_ptr<AccessLog>(new AccessLog(config, STDOUT_FILENO));
  auto fd = open_log_file(config.path);
  if (!fd)
    return std::unexpected(fd.error());
  return std::unique_ptr<AccessLog>(new AccessLog(config, *fd));
}

AccessLog::AccessLog(config::AccessLogConfig config, int fd)
    : config_(std::move(config)), fd_(fd) {}

AccessLog::~AccessLog() {
  if (fd_ != STDOUT_FILENO)
    ::close(fd_);
}

void AccessLog::write(std::string_view lines) {
  if (lines.empty())
    return;
  std::lock_guard lock(write_mutex_);
  if (!write_all(fd_, lines))
    dropped_bytes_.fetch_add(lines.size(), std::memory_order_relaxed);
}

std::expected<void, std::string> AccessLog::reopen() {
  if (fd_ == STDOUT_FILENO)
    return {};
  auto fresh = open_log_file(config_.path);
  if (!fresh)
    return std::unexpected(fresh.error());
  // dup3 swaps the file under the same number atomically: a worker's write goes wholly to the
  // old file or wholly to the new one. O_CLOEXEC, which dup2 would clear, is kept.
  int result;
  do {
    result = ::dup3(*fresh, fd_, O_CLOEXEC);
  } while (result < 0 && errno == EINTR);
  int saved = errno;
  ::close(*fresh);
  if (result < 0)
    return std::unexpected(
        fmt::format("access log {}: reopen: {}", config_.path, std::strerror(saved)));
  return {};
}

AccessLogBuffer::AccessLogBuffer(AccessLog& log, event_base* base) : log_(log) {
  buffer_.reserve(kFlushBytes + 4096);
  if (base != nullptr)
    timer_.reset(evtimer_new(base, &AccessLogBuffer::on_flush_timer, this));
}

AccessLogBuffer::~AccessLogBuffer() {
  flush();
}

void AccessLogBuffer::append(const proxy::ExchangeRecord& record) {
  bool was_empty = buffer_.empty();
  append_access_line(buffer_, record, log_.config().include_query);
  if (buffer_.size() >= kFlushBytes) {
    flush();
  } else if (was_empty && timer_) {
    // Armed only while lines wait, so an idle worker never wakes up for the log.
    auto interval =
        std::chrono::duration_cast<std::chrono::microseconds>(log_.config().flush_interval);
    timeval tv{static_cast<time_t>(interval.count() / 1000000),
               static_cast<suseconds_t>(interval.count() % 1000000)};
    evtimer_add(timer_.get(), &tv);
  }
}

void AccessLogBuffer::flush() {
  if (timer_)
    evtimer_del(timer_.get());
  if (buffer_.empty())
    return;
  log_.write(buffer_);
  buffer_.clear();
}

void AccessLogBuffer::on_flush_timer(evutil_socket_t, short, void* arg) noexcept {
  static_cast<AccessLogBuffer*>(arg)->flush();
}

} // namespace stgw::server
