// `stgw config render` through the real binary: every target from a TOML file, --out, and the
// portal-profile round trip on a file.

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "config/product_files.h"

namespace stgw::config {
namespace {

constexpr std::string_view kToml = R"([server]
workers = 2

[budget]
max_client_connections = 1000

[[listener]]
name = "https"
address = "0.0.0.0:8443"
tls = { certificate = "st.pem", private_key = "st.key" }

[[listener]]
name = "http"
address = "0.0.0.0:8080"

[sso]
domain = ".example.com"

[[backend]]
name = "stps"
servers = ["stps1.example.com:9081"]

[[route]]
prefix = "/"
backend = "stps"

[integration]
public_url = "https://st.example.com"
inotes_servers = ["mail.example.com"]
sametime_version = "9.0.1"
)";

class RenderCliTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("stgw-render-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    write("gateway.toml", kToml);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write(const std::string& name, std::string_view text) const {
    std::ofstream(path(name), std::ios::binary) << text;
  }
  std::string read(const std::string& name) const {
    std::ifstream in(path(name), std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  // Runs stgw; returns the exit code, stdout in out_, stderr in err_.
  int stgw(const std::string& args) {
    const std::string command =
        "'" STGW_BIN "' " + args + " >'" + path("out") + "' 2>'" + path("err") + "'";
    const int status = std::system(command.c_str());
    out_ = read("out");
    err_ = read("err");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  int render(const std::string& args) {
    return stgw("config render -c " + path("gateway.toml") + " " + args);
  }

  std::filesystem::path dir_;
  std::string out_, err_;
};

TEST_F(RenderCliTest, InotesLinesCarryTheConfigValues) {
  ASSERT_EQ(render("--for inotes"), 0) << err_;
  const NotesIni ini = parse_notes_ini(out_);
  EXPECT_EQ(ini.find("iNotes_WA_SametimeProxyServer")->value, "http://st.example.com:8080");
  EXPECT_EQ(ini.find("iNotes_WA_SametimeProxyServerSSL")->value, "https://st.example.com");
}

TEST_F(RenderCliTest, ConnectionsXmlIsWellFormed) {
  ASSERT_EQ(render("--for connections"), 0) << err_;
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(out_.c_str())) << out_;
  EXPECT_STREQ(
      doc.document_element().child("sloc:href").child("sloc:static").attribute("href").value(),
      "http://st.example.com:8080");
}

TEST_F(RenderCliTest, PortalInBothFormats) {
  ASSERT_EQ(render("--for portal"), 0) << err_;
  EXPECT_EQ(parse_properties(out_).find("cc.sametime.proxy.version")->value, "9.0.1");
  ASSERT_EQ(render("--for portal --format wsadmin"), 0) << err_;
  EXPECT_NE(out_.find("AdminConfig.save()"), std::string::npos);
  EXPECT_EQ(render("--for portal --format yaml"), 2);
}

TEST_F(RenderCliTest, LimitsAndWasToFiles) {
  ASSERT_EQ(render("--for limits --user gw --out " + path("limits.conf")), 0) << err_;
  EXPECT_TRUE(out_.empty());
  // 2 x 1000 + 2 listeners x 2 workers + admin + 64 reserve.
  const EffectiveLimit limit =
      effective_limit(parse_limits_conf(read("limits.conf")), "gw", {}, "nofile");
  EXPECT_EQ(limit.soft, 2069);
  EXPECT_EQ(limit.hard, 2069);
  ASSERT_EQ(render("--for was --gateway-address 10.1.1.1 --out " + path("was.txt")), 0) << err_;
  EXPECT_NE(read("was.txt").find("trustedSensitiveHeaderOrigin = 10.1.1.1\n"), std::string::npos);
}

TEST_F(RenderCliTest, PortalProfileInPlaceIsIdempotent) {
  const std::string original = "{\n  \"moduleIDs\": [\n    \"wp_one_ui\"\n  ],\n  \"x\": 1\n}\n";
  write("profile_full.json", original);
  const std::string args = "--for portal-profile --input " + path("profile_full.json") + " --out " +
                           path("profile_full.json");
  ASSERT_EQ(render(args), 0) << err_;
  EXPECT_NE(err_.find("theme"), std::string::npos); // where it goes, on stderr
  const std::string once = read("profile_full.json");
  EXPECT_EQ(once, "{\n  \"moduleIDs\": [\n    \"wp_one_ui\",\n    \"wp_sametime_proxy\"\n  ],\n"
                  "  \"x\": 1\n}\n");
  ASSERT_EQ(render(args), 0) << err_;
  EXPECT_EQ(read("profile_full.json"), once);
  EXPECT_FALSE(std::filesystem::exists(path("profile_full.json.stgw-tmp")));
}

TEST_F(RenderCliTest, ErrorsExitNonZeroWithAMessage) {
  EXPECT_EQ(render("--for notes"), 2);
  EXPECT_EQ(render("--for portal-profile"), 2);
  EXPECT_NE(err_.find("--input"), std::string::npos);
  write("bad.json", "{\"x\": 1}");
  EXPECT_EQ(render("--for portal-profile --input " + path("bad.json")), 1);
  EXPECT_NE(err_.find("moduleIDs"), std::string::npos) << err_;
  write("gateway.toml", "[integration]\npublic_url = \"st.example.com\"\n");
  EXPECT_EQ(render("--for inotes"), 1);
  EXPECT_FALSE(err_.empty());
}

} // namespace
} // namespace stgw::config
