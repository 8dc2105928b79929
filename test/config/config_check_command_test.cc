// `stgw config check`, run as a real process: exit codes, and what goes to stdout and stderr.

#include <sys/wait.h>

#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test/config/config_test_support.h"

namespace stgw::config::loader_test {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Runs stgw with |args| (already shell-safe: temp paths have no quotes).
RunResult run_stgw(const TempDir& scratch, const std::string& args) {
  std::string out = scratch.path() + "/stdout";
  std::string err = scratch.path() + "/stderr";
  std::string command =
      "'" + std::string(STGW_BIN) + "' " + args + " >'" + out + "' 2>'" + err + "' </dev/null";
  int status = std::system(command.c_str());
  RunResult result;
  if (WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  result.out = read_all(out);
  result.err = read_all(err);
  return result;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

TEST(ConfigCheckCommandTest, ValidFilePrintsOneSummaryLine) {
  TempDir dir;
  std::string path = copy_example_with_files(dir);
  RunResult run = run_stgw(dir, "config check -c '" + path + "'");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "config ok: 2 listeners, 4 routes, 1 backend (2 servers), sso on\n");
  EXPECT_THAT(run.err, IsEmpty());
}

TEST(ConfigCheckCommandTest, SummaryCountsSingularsAndSsoOff) {
  TempDir dir;
  std::string path = dir.write("gw.toml", kMinimal);
  RunResult run = run_stgw(dir, "config check --config '" + path + "'");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "config ok: 1 listener, 1 route, 1 backend (1 server), sso off\n");
}

TEST(ConfigCheckCommandTest, ExampleInTheSourceTreeFailsOnlyOnMissingFiles) {
  TempDir dir;
  RunResult run = run_stgw(dir, "config check -c '" + example_path() + "'");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, IsEmpty());
  auto lines = lines_of(run.err);
  EXPECT_EQ(lines.size(), 10u) << run.err; // 4 TLS files, 2 x 2 key files, 1 secret, 1 CA
  for (const auto& line : lines)
    EXPECT_THAT(line, MatchesRegex(".*gateway\\.example\\.toml:[0-9]+:[0-9]+: [^ ]+: "
                                   "file not found: /.*"));

  RunResult unchecked = run_stgw(dir, "config check --no-file-checks -c '" + example_path() + "'");
  EXPECT_EQ(unchecked.exit_code, 0) << unchecked.err;
  EXPECT_EQ(unchecked.out, "config ok: 2 listeners, 4 routes, 1 backend (2 servers), sso on\n");
}

TEST(ConfigCheckCommandTest, ErrorsGoToStderrOnePerLine) {
  TempDir dir;
  std::string path = dir.write("gw.toml", std::string(kMinimal) + "timeout = 90\nauth = \"maybe\"\n"
                                                                  "[server]\nworkers = -2\n");
  RunResult run = run_stgw(dir, "config check -c '" + path + "'");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, IsEmpty());
  EXPECT_EQ(run.err, path + ":11:11: route[0].timeout: duration needs a unit, e.g. \"90s\"\n" +
                         path +
                         ":12:8: route[0].auth: unknown value \"maybe\": expected one of "
                         "\"required\", \"optional\", \"none\"\n" +
                         path + ":14:11: server.workers: must not be negative\n");
}

TEST(ConfigCheckCommandTest, MissingFileIsAMessageNotACrash) {
  TempDir dir;
  std::string path = dir.path() + "/absent.toml";
  RunResult run = run_stgw(dir, "config check -c '" + path + "'");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err, path + ": cannot open: file not found\n");
  EXPECT_THAT(run.out, IsEmpty());
}

TEST(ConfigCheckCommandTest, UsageErrorsExitTwo) {
  TempDir dir;
  EXPECT_EQ(run_stgw(dir, "config check").exit_code, 2);
  EXPECT_EQ(run_stgw(dir, "config").exit_code, 2);
  EXPECT_EQ(run_stgw(dir, "config check -c a.toml --frobnicate").exit_code, 2);
}

TEST(ConfigCheckCommandTest, NeverPrintsSecrets) {
  TempDir dir;
  std::string path = copy_example_with_files(dir);
  dir.write("sso/ltpa.password", "Hunter2-Very-Secret\n");
  dir.write("tls/st.example.com.key", "PRIVATE-KEY-BYTES-NOT-PEM\n");
  // Break the file elsewhere too, so that everything that can be printed is printed.
  std::ofstream(path, std::ios::app) << "\n[extra]\nkey = 1\n";
  RunResult run = run_stgw(dir, "config check -c '" + path + "'");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("not a PEM file"));
  EXPECT_THAT(run.err, HasSubstr("extra: unknown key"));
  EXPECT_THAT(run.err + run.out, Not(HasSubstr("Hunter2")));
  EXPECT_THAT(run.err + run.out, Not(HasSubstr("PRIVATE-KEY-BYTES")));
  EXPECT_THAT(run.err + run.out, Not(HasSubstr("ZXhhbXBsZS1kb21pbm8")));
}

} // namespace
} // namespace stgw::config::loader_test
