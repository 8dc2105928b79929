#pragma once

// Helpers for the config loader tests: a scratch folder, and errors as printable lines.

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "config/loader.h"

namespace stgw::config::loader_test {

// A fresh folder under $TMPDIR (or /tmp), removed with everything in it at destruction.
class TempDir {
public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/stgw-config-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
      ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

  // Writes |content| to |relative| below the folder (creating folders); returns the full path.
  std::string write(const std::string& relative, std::string_view content) const {
    std::filesystem::path full = std::filesystem::path(path_) / relative;
    std::filesystem::create_directories(full.parent_path());
    std::ofstream out(full, std::ios::binary);
    out << content;
    return full.string();
  }

private:
  std::string path_;
};

inline std::vector<std::string> error_lines(const ConfigResult& result) {
  std::vector<std::string> lines;
  if (!result) {
    for (const auto& error : result.error())
      lines.push_back(error.to_string());
  }
  return lines;
}

inline std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines)
    out += line + "\n";
  return out;
}

// Loads |text| as "gw.toml" from |base_dir| without looking for the files it names.
inline ConfigResult load_text(std::string_view text, const std::string& base_dir = "/etc/stgw") {
  LoadOptions options;
  options.check_files = false;
  return load_config_string(text, "gw.toml", base_dir, options);
}

// The smallest valid configuration: one listener, one backend, one route.
inline constexpr std::string_view kMinimal = R"([[listener]]
address = "127.0.0.1:8080"

[[backend]]
name = "stps"
servers = ["127.0.0.1:9080"]

[[route]]
prefix = "/"
backend = "stps"
)";

inline constexpr std::string_view kPemCertificate =
    "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
inline constexpr std::string_view kPemKey =
    "-----BEGIN PRIVATE KEY-----\nMIIEfake\n-----END PRIVATE KEY-----\n";

inline std::string example_path() {
  return std::string(STGW_SOURCE_DIR) + "/config/gateway.example.toml";
}

// Copies config/gateway.example.toml to |dir|/gateway.toml and creates every file it names
// relative to its folder (dummy PEM files, key and secret files); returns the copy's path.
inline std::string copy_example_with_files(const TempDir& dir) {
  std::ifstream in(example_path(), std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_FALSE(text.empty()) << example_path();
  for (const char* pem :
       {"tls/st.example.com.pem", "tls/sametime.example.org.pem", "tls/was-root-ca.pem"})
    dir.write(pem, kPemCertificate);
  for (const char* key : {"tls/st.example.com.key", "tls/sametime.example.org.key"})
    dir.write(key, kPemKey);
  for (const char* file : {"sso/ltpa.keys", "sso/ltpa-previous.keys"})
    dir.write(file, "com.ibm.websphere.ltpa.Realm=defaultWIMFileBasedRealm\n");
  for (const char* file : {"sso/ltpa.password", "sso/ltpa-previous.password"})
    dir.write(file, "example-password\n");
  dir.write("sso/domino.secret", "ZXhhbXBsZS1kb21pbm8tc2VjcmV0\n");
  return dir.write("gateway.toml", text);
}

} // namespace stgw::config::loader_test
