#include "gateway/server/access_log.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <set>

#include <event2/event.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test/server/server_test_support.h"

namespace stgw::server {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::lines_of;
using test::read_file;
using test::TempDir;

// 2024-02-29T23:59:59.007Z
constexpr auto kStart = std::chrono::system_clock::time_point(1709251199007ms);

proxy::ExchangeRecord full_record() {
  proxy::ExchangeRecord record;
  record.start = kStart;
  record.duration = 1234567us;
  record.client_ip = "192.0.2.10";
  record.listener = "https";
  record.method = "POST";
  record.target = "/stwebapi/chatmessage?sessionid=abc&x=1";
  record.host = "st.example.com";
  record.referer_origin = "https://mail.example.com";
  record.status = 200;
  record.bytes_in = 321;
  record.bytes_out = 4567;
  record.route = "/stwebapi/";
  record.backend = "stps";
  record.server = "10.0.0.5:9080";
  record.user = "CN=Alice Example,O=Acme";
  record.token_format = "ltpa2";
  record.auth_result = "valid";
  record.tls_version = "TLSv1.3";
  record.parked = true;
  record.error = "backend_timeout";
  return record;
}

json parse_line(const std::string& line) {
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per exchange";
  return json::parse(line);
}

std::string line_for(const proxy::ExchangeRecord& record, bool include_query = false) {
  std::string line;
  append_access_line(line, record, include_query);
  return line;
}

TEST(AccessLineTest, CarriesEveryFieldAndNothingElse) {
  json j = parse_line(line_for(full_record()));
  EXPECT_EQ(j["time"], "2024-02-29T23:59:59.007Z");
  EXPECT_EQ(j["client"], "192.0.2.10");
  EXPECT_EQ(j["method"], "POST");
  EXPECT_EQ(j["path"], "/stwebapi/chatmessage");
  EXPECT_EQ(j["status"], 200);
  EXPECT_EQ(j["bytes_in"], 321);
  EXPECT_EQ(j["bytes_out"], 4567);
  EXPECT_DOUBLE_EQ(j["duration_ms"].get<double>(), 1234.567);
  EXPECT_EQ(j["route"], "/stwebapi/");
  EXPECT_EQ(j["backend"], "stps");
  EXPECT_EQ(j["server"], "10.0.0.5:9080");
  EXPECT_EQ(j["user"], "CN=Alice Example,O=Acme");
  EXPECT_EQ(j["token_format"], "ltpa2");
  EXPECT_EQ(j["tls"], "TLSv1.3");
  EXPECT_EQ(j["parked"], true);
  EXPECT_EQ(j["error"], "backend_timeout");
  EXPECT_EQ(j["listener"], "https");
  std::set<std::string> keys;
  for (const auto& item : j.items())
    keys.insert(item.key());
  EXPECT_EQ(keys,
            (std::set<std::string>{"time", "client", "method", "path", "status", "bytes_in",
                                   "bytes_out", "duration_ms", "route", "backend", "server", "user",
                                   "token_format", "tls", "parked", "error", "listener"}));
}

TEST(AccessLineTest, EmptyOptionalFieldsAreNull) {
  proxy::ExchangeRecord record;
  record.start = kStart;
  record.client_ip = "::1";
  record.listener = "http";
  record.method = "GET";
  record.target = "/";
  json j = parse_line(line_for(record));
  for (const char* field : {"user", "token_format", "tls", "error", "route", "backend", "server"})
    EXPECT_TRUE(j[field].is_null()) << field;
  EXPECT_EQ(j["status"], 0);
  EXPECT_EQ(j["parked"], false);
  EXPECT_DOUBLE_EQ(j["duration_ms"].get<double>(), 0.0);
}

TEST(AccessLineTest, EscapesHostilePathsAndUsers) {
  auto record = full_record();
  std::string path =
      std::string("/a\"b\\c\x01\x1f\n\r\t\x7f/\xC3\xA4\xE2\x82\xAC\xF0\x9D\x84\x9E") + "</script>";
  std::string user = "CN=\"Bob\" \\ O=Acme\nforged\": true, \"x";
  record.target = path;
  record.user = user;
  record.method = "G\"ET";
  std::string line = line_for(record);
  json j = parse_line(line);
  EXPECT_EQ(j["path"], path);
  EXPECT_EQ(j["user"], user);
  EXPECT_EQ(j["method"], "G\"ET");
  EXPECT_EQ(j.size(), 17u) << "no field was forged by the user value";
  for (char c : line.substr(0, line.size() - 1))
    EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << "raw control character";
}

TEST(AccessLineTest, ReplacesInvalidUtf8SoTheLineParses) {
  auto record = full_record();
  // A stray continuation byte, an overlong '/', a UTF-16 surrogate, a code point above U+10FFFF,
  // a truncated sequence at the end.
  std::string path = "/x\x80y\xC0\xAFz\xED\xA0\x80w\xF4\x90\x80\x80v\xE2\x82";
  record.target = path;
  json j = parse_line(line_for(record));
  const std::string r = "\xEF\xBF\xBD"; // U+FFFD
  EXPECT_EQ(j["path"],
            "/x" + r + "y" + r + r + "z" + r + r + r + "w" + r + r + r + r + "v" + r + r);
}

TEST(AccessLineTest, DropsTheQueryByDefault) {
  auto record = full_record();
  record.target = "/stwebapi/event?LtpaToken2=secretvalue&seq=4";
  std::string line = line_for(record);
  EXPECT_EQ(parse_line(line)["path"], "/stwebapi/event");
  EXPECT_EQ(line.find("secretvalue"), std::string::npos);
}

TEST(AccessLineTest, KeepsTheQueryWhenConfiguredButRedactsCredentials) {
  auto record = full_record();
  record.target = "/x?seq=4&LtpaToken2=t1&SessionId=s2&password=p3&csrf_token=c4&AUTH=a5&flag&q=ok";
  std::string line = line_for(record, true);
  EXPECT_EQ(parse_line(line)["path"],
            "/x?seq=4&LtpaToken2=redacted&SessionId=redacted&"
            "password=redacted&csrf_token=redacted&AUTH=redacted&flag&q=ok");
  for (const char* secret : {"t1", "s2", "p3", "c4", "a5"})
    EXPECT_EQ(line.find(std::string("=") + secret), std::string::npos) << secret;
}

TEST(AccessLineTest, RedactsJsessionidPathParametersKeepingTheCloneId) {
  std::string out;
  append_logged_path(out, "/stwebapi/x;jsessionid=0000ABCDEF:clone17/y;JSESSIONID=zz?q=1", false);
  EXPECT_EQ(out, "/stwebapi/x;jsessionid=redacted:clone17/y;JSESSIONID=redacted");
  out.clear();
  append_logged_path(out, "/plain;a=b", true);
  EXPECT_EQ(out, "/plain;a=b");
}

TEST(AccessLineTest, FormatsTimeAsIso8601UtcWithMilliseconds) {
  std::string out;
  append_iso8601_utc(out, std::chrono::system_clock::time_point(0ms));
  EXPECT_EQ(out, "1970-01-01T00:00:00.000Z");
  out.clear();
  append_iso8601_utc(out, std::chrono::system_clock::time_point(1700000000999ms));
  EXPECT_EQ(out, "2023-11-14T22:13:20.999Z");
}

TEST(AccessLogTest, EmptyPathMeansNoLog) {
  auto log = AccessLog::open({});
  ASSERT_TRUE(log.has_value());
  EXPECT_EQ(log->get(), nullptr);
}

TEST(AccessLogTest, RejectsUnknownFormatAndUnopenablePath) {
  config::AccessLogConfig config;
  config.path = "-";
  config.format = "combined";
  auto bad_format = AccessLog::open(config);
  ASSERT_FALSE(bad_format.has_value());
  EXPECT_NE(bad_format.error().find("combined"), std::string::npos);

  config.format = "json";
  config.path = "/nonexistent-stgw-dir/access.log";
  auto bad_path = AccessLog::open(config);
  ASSERT_FALSE(bad_path.has_value());
  EXPECT_NE(bad_path.error().find("/nonexistent-stgw-dir/access.log"), std::string::npos);
  EXPECT_NE(bad_path.error().find("No such file"), std::string::npos);
}

TEST(AccessLogTest, CreatesTheFileWithoutWorldAccessAndAppends) {
  TempDir dir;
  config::AccessLogConfig config;
  config.path = dir.file("access.log");
  {
    std::FILE* existing = std::fopen(config.path.c_str(), "w");
    std::fputs("old line\n", existing);
    std::fclose(existing);
  }
  ::chmod(config.path.c_str(), 0600);
  auto log = AccessLog::open(config);
  ASSERT_TRUE(log.has_value()) << log.error();
  {
    AccessLogBuffer buffer(**log, nullptr);
    buffer.append(full_record());
  } // destruction flushes
  auto lines = lines_of(read_file(config.path));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "old line");
  EXPECT_EQ(json::parse(lines[1])["client"], "192.0.2.10");

  TempDir fresh_dir;
  config.path = fresh_dir.file("new.log");
  auto fresh = AccessLog::open(config);
  ASSERT_TRUE(fresh.has_value());
  struct stat st {};
  ASSERT_EQ(::stat(config.path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0007, 0u) << "no world access to the access log";
}

TEST(AccessLogTest, BufferWaitsUntilFlushOrSize) {
  TempDir dir;
  config::AccessLogConfig config;
  config.path = dir.file("access.log");
  auto log = AccessLog::open(config);
  ASSERT_TRUE(log.has_value());
  AccessLogBuffer buffer(**log, nullptr);
  buffer.append(full_record());
  EXPECT_EQ(read_file(config.path), "") << "nothing written before a flush";
  EXPECT_GT(buffer.pending_bytes(), 0u);
  buffer.flush();
  EXPECT_EQ(lines_of(read_file(config.path)).size(), 1u);
  EXPECT_EQ(buffer.pending_bytes(), 0u);

  std::size_t appended = 1;
  while (buffer.pending_bytes() + 400 < AccessLogBuffer::kFlushBytes) {
    buffer.append(full_record());
    ++appended;
  }
  EXPECT_EQ(lines_of(read_file(config.path)).size(), 1u);
  for (int i = 0; i < 4 && buffer.pending_bytes() != 0; ++i) {
    buffer.append(full_record());
    ++appended;
  }
  EXPECT_EQ(buffer.pending_bytes(), 0u) << "passing 32 KiB flushes";
  auto lines = lines_of(read_file(config.path));
  EXPECT_EQ(lines.size(), appended);
  for (const auto& line : lines)
    EXPECT_TRUE(json::accept(line)) << line;
}

TEST(AccessLogTest, FlushTimerRunsOnTheWorkerLoop) {
  TempDir dir;
  config::AccessLogConfig config;
  config.path = dir.file("access.log");
  config.flush_interval = 1ms;
  auto log = AccessLog::open(config);
  ASSERT_TRUE(log.has_value());
  event_base* base = event_base_new();
  {
    AccessLogBuffer buffer(**log, base);
    buffer.append(full_record());
    buffer.append(full_record());
    EXPECT_EQ(read_file(config.path), "");
    // The only pending event is the flush timer: one loop pass waits for it and runs it.
    ASSERT_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    EXPECT_EQ(lines_of(read_file(config.path)).size(), 2u);
    EXPECT_EQ(buffer.pending_bytes(), 0u);
    // Nothing pending: the timer is not armed, the loop has no events.
    EXPECT_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 1);
  }
  event_base_free(base);
}

TEST(AccessLogTest, ReopenAfterRenameWritesToTheNewFile) {
  TempDir dir;
  config::AccessLogConfig config;
  config.path = dir.file("access.log");
  auto log = AccessLog::open(config);
  ASSERT_TRUE(log.has_value());
  AccessLogBuffer buffer(**log, nullptr);
  auto first = full_record();
  first.method = "FIRST";
  buffer.append(first);
  buffer.flush();

  std::string rotated = dir.file("access.log.1");
  ASSERT_EQ(std::rename(config.path.c_str(), rotated.c_str()), 0);
  auto second = full_record();
  second.method = "SECOND";
  buffer.append(second); // still the old file until reopen()
  buffer.flush();
  ASSERT_TRUE((*log)->reopen().has_value());
  auto third = full_record();
  third.method = "THIRD";
  buffer.append(third);
  buffer.flush();

  auto old_lines = lines_of(read_file(rotated));
  auto new_lines = lines_of(read_file(config.path));
  ASSERT_EQ(old_lines.size(), 2u);
  ASSERT_EQ(new_lines.size(), 1u);
  EXPECT_EQ(json::parse(old_lines[0])["method"], "FIRST");
  EXPECT_EQ(json::parse(old_lines[1])["method"], "SECOND");
  EXPECT_EQ(json::parse(new_lines[0])["method"], "THIRD");
}

TEST(AccessLogTest, ReopenFailureKeepsTheOldFile) {
  TempDir dir;
  std::filesystem::create_directory(dir.file("logs"));
  config::AccessLogConfig config;
  config.path = dir.file("logs/access.log");
  auto log = AccessLog::open(config);
  ASSERT_TRUE(log.has_value());
  std::string moved = dir.file("moved");
  ASSERT_EQ(std::rename(dir.file("logs").c_str(), moved.c_str()), 0);
  auto reopened = (*log)->reopen();
  ASSERT_FALSE(reopened.has_value());
  EXPECT_NE(reopened.error().find("logs/access.log"), std::string::npos);
  (*log)->write("still here\n");
  EXPECT_EQ(read_file(moved + "/access.log"), "still here\n");
}

TEST(AccessLogTest, CountsDroppedBytesWhenTheWriteFails) {
  config::AccessLogConfig config;
  config.path = "/dev/full";
  auto log = AccessLog::open(config);
  ASSERT_TRUE(log.has_value()) << log.error();
  (*log)->write("twelve bytes");
  EXPECT_EQ((*log)->dropped_bytes(), 12u);
}

TEST(AccessLogTest, StdoutIsNotClosed) {
  config::AccessLogConfig config;
  config.path = "-";
  {
    auto log = AccessLog::open(config);
    ASSERT_TRUE(log.has_value());
    EXPECT_TRUE((*log)->reopen().has_value()) << "reopen of stdout is a no-op";
  }
  struct stat st {};
  EXPECT_EQ(::fstat(1, &st), 0);
}

} // namespace
} // namespace stgw::server
