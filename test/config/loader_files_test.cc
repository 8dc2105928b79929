// load_config_file, relative paths, and the checks on the files a config names.

#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test/config/config_test_support.h"

namespace stgw::config::loader_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kTlsConfig = R"([[listener]]
address = "127.0.0.1:8443"
tls = { certificates = [
  { certificate = "tls/a.pem", private_key = "tls/a.key" },
  { certificate = "../outside/b.pem", private_key = "tls/b.key" },
] }

[sso]
[[sso.keys]]
file = "sso/ltpa.keys"
password_file = "sso/ltpa.pw"
[[sso.domino]]
secret_file = "sso/domino.secret"

[[backend]]
name = "stps"
servers = ["127.0.0.1:9443"]
tls = { ca_file = "tls/ca.pem" }

[[route]]
backend = "stps"
auth = "required"
)";

// Writes every file kTlsConfig names below |dir| (config in |dir|/etc).
void write_named_files(const TempDir& dir) {
  dir.write("etc/tls/a.pem", kPemCertificate);
  dir.write("etc/tls/a.key", kPemKey);
  dir.write("outside/b.pem", kPemCertificate);
  dir.write("etc/tls/b.key", kPemKey);
  dir.write("etc/tls/ca.pem", kPemCertificate);
  dir.write("etc/sso/ltpa.keys", "com.ibm.websphere.ltpa.Realm=r\n");
  dir.write("etc/sso/ltpa.pw", "s3cr3t-password\n");
  dir.write("etc/sso/domino.secret", "c2VjcmV0LWRvbWluby1rZXk=\n");
}

TEST(LoadConfigFileTest, ResolvesRelativePathsAgainstTheFilesFolder) {
  TempDir dir;
  write_named_files(dir);
  std::string path = dir.write("etc/gateway.toml", kTlsConfig);
  auto result = load_config_file(path);
  ASSERT_TRUE(result.has_value()) << joined(error_lines(result));
  const GatewayConfig& config = **result;
  EXPECT_EQ(config.source_path, path);
  const auto& certificates = config.listeners[0].tls->certificates;
  ASSERT_EQ(certificates.size(), 2u);
  EXPECT_EQ(certificates[0].certificate, dir.path() + "/etc/tls/a.pem");
  EXPECT_EQ(certificates[1].certificate, dir.path() + "/outside/b.pem");
  EXPECT_EQ(certificates[1].private_key, dir.path() + "/etc/tls/b.key");
  EXPECT_EQ(config.sso->keys[0].password_file, dir.path() + "/etc/sso/ltpa.pw");
  EXPECT_EQ(config.sso->domino[0].secret_file, dir.path() + "/etc/sso/domino.secret");
  EXPECT_EQ(config.backends[0].tls->ca_file, dir.path() + "/etc/tls/ca.pem");
}

TEST(LoadConfigFileTest, SourcePathIsAbsoluteAndNormal) {
  TempDir dir;
  write_named_files(dir);
  dir.write("etc/gateway.toml", kTlsConfig);
  auto result = load_config_file(dir.path() + "/etc/./sso/../gateway.toml");
  ASSERT_TRUE(result.has_value()) << joined(error_lines(result));
  EXPECT_EQ((*result)->source_path, dir.path() + "/etc/gateway.toml");
}

TEST(LoadConfigFileTest, MissingFileIsAnErrorWithoutPosition) {
  TempDir dir;
  std::string path = dir.path() + "/nope.toml";
  auto result = load_config_file(path);
  ASSERT_FALSE(result.has_value());
  ASSERT_EQ(result.error().size(), 1u);
  EXPECT_EQ(result.error()[0].line, 0);
  EXPECT_EQ(result.error()[0].to_string(), path + ": cannot open: file not found");
}

TEST(LoadConfigFileTest, DirectoryIsAnError) {
  TempDir dir;
  EXPECT_THAT(error_lines(load_config_file(dir.path())),
              ElementsAre(dir.path() + ": cannot open: is a directory"));
}

TEST(LoadConfigFileTest, ErrorsNameTheFileAsGiven) {
  TempDir dir;
  std::string path = dir.write("gw.toml", "[[listener]]\naddress = 80\n");
  EXPECT_THAT(error_lines(load_config_file(path)),
              ElementsAre(path + ":1:1: backend: at least one [[backend]] is required",
                          path + ":1:1: route: at least one [[route]] is required",
                          path + ":2:11: listener[0].address: expected a \"host:port\" string, "
                                 "found an integer"));
}

TEST(FileChecksTest, ReportsEveryMissingFileAtItsKey) {
  TempDir dir;
  std::string path = dir.write("etc/gateway.toml", kTlsConfig);
  std::string etc = dir.path() + "/etc";
  EXPECT_THAT(
      error_lines(load_config_file(path)),
      ElementsAre(
          path + ":4:19: listener[0].tls.certificates[0].certificate: file not found: " + etc +
              "/tls/a.pem",
          path + ":4:46: listener[0].tls.certificates[0].private_key: file not found: " + etc +
              "/tls/a.key",
          path + ":5:19: listener[0].tls.certificates[1].certificate: file not found: " +
              dir.path() + "/outside/b.pem",
          path + ":5:53: listener[0].tls.certificates[1].private_key: file not found: " + etc +
              "/tls/b.key",
          path + ":10:8: sso.keys[0].file: file not found: " + etc + "/sso/ltpa.keys",
          path + ":11:17: sso.keys[0].password_file: file not found: " + etc + "/sso/ltpa.pw",
          path + ":13:15: sso.domino[0].secret_file: file not found: " + etc + "/sso/domino.secret",
          path + ":18:19: backend[0].tls.ca_file: file not found: " + etc + "/tls/ca.pem"));
}

TEST(FileChecksTest, CanBeTurnedOff) {
  TempDir dir;
  std::string path = dir.write("etc/gateway.toml", kTlsConfig);
  LoadOptions options;
  options.check_files = false;
  auto result = load_config_file(path, options);
  EXPECT_TRUE(result.has_value()) << joined(error_lines(result));
}

TEST(FileChecksTest, PemFilesNeedABeginLineAndContentIsNeverQuoted) {
  TempDir dir;
  write_named_files(dir);
  dir.write("etc/tls/a.key", "TOPSECRETKEYMATERIAL in DER or something else\n");
  std::string path = dir.write("etc/gateway.toml", kTlsConfig);
  auto lines = error_lines(load_config_file(path));
  EXPECT_THAT(lines, ElementsAre(path +
                                 ":4:46: listener[0].tls.certificates[0].private_key: not "
                                 "a PEM file (no \"-----BEGIN\" line): " +
                                 dir.path() + "/etc/tls/a.key"));
  EXPECT_THAT(joined(lines), Not(HasSubstr("TOPSECRET")));
}

TEST(FileChecksTest, DirectoryInsteadOfFile) {
  TempDir dir;
  write_named_files(dir);
  std::filesystem::remove(dir.path() + "/etc/sso/ltpa.pw");
  std::filesystem::create_directories(dir.path() + "/etc/sso/ltpa.pw");
  std::string path = dir.write("etc/gateway.toml", kTlsConfig);
  EXPECT_THAT(error_lines(load_config_file(path)),
              ElementsAre(path + ":11:17: sso.keys[0].password_file: is a directory, not a file: " +
                          dir.path() + "/etc/sso/ltpa.pw"));
}

TEST(FileChecksTest, UnreadableFile) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "root reads files whatever their mode";
  TempDir dir;
  write_named_files(dir);
  std::filesystem::permissions(dir.path() + "/etc/sso/domino.secret", std::filesystem::perms::none);
  std::string path = dir.write("etc/gateway.toml", kTlsConfig);
  EXPECT_THAT(error_lines(load_config_file(path)),
              ElementsAre(path + ":13:15: sso.domino[0].secret_file: cannot read " + dir.path() +
                          "/etc/sso/domino.secret: Permission denied"));
}

TEST(FileChecksTest, SecretFilesAreNeverReadIntoErrors) {
  TempDir dir;
  write_named_files(dir);
  // Everything else broken: nothing printed may contain the password or the Domino secret.
  std::string text = std::string(kTlsConfig) + "bogus = \"x\"\n";
  std::string path = dir.write("etc/gateway.toml", text);
  auto lines = error_lines(load_config_file(path));
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(joined(lines), Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(joined(lines), Not(HasSubstr("c2VjcmV0")));
}

} // namespace
} // namespace stgw::config::loader_test
