// `stgw doctor` as an administrator runs it: the real binary on a consistent set of files (all
// OK, exit 0), then one planted fault per check (FAIL with that check id and a fix, exit 1).

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "ssoauth/ltpa_keys.h"
#include "test/doctor/doctor_test_support.h"

namespace stgw::doctor {
namespace {

using testing::CommandResult;
using testing::TempDir;
using testing::TestPki;

constexpr std::string_view kPassword = "cli-Passw0rd";

constexpr std::string_view kToml = R"([server]
workers = 1

[budget]
max_client_connections = 100

[[listener]]
name = "https"
address = "127.0.0.1:0"
tls = { certificate = "@LISTENER_PEM@", private_key = "@LISTENER_KEY@" }

[sso]
domain = ".example.com"
accept = ["ltpa2", "ltpa1", "domino"]

[[sso.keys]]
file = "ltpa.keys"
password_file = "ltpa.password"
realm = "testRealm"

[[sso.domino]]
secret_file = "domino.secret"

[[backend]]
name = "stps"
servers = ["127.0.0.1:@BACKEND_PORT@"]
tls = { ca_file = "@CA_FILE@", verify = true, server_name = "stps.test" }
connect_timeout = "2s"

[[route]]
prefix = "/"
backend = "stps"

[integration]
public_url = "https://st.example.com"
inotes_servers = ["mail.example.com"]
connections_url = "https://connections.example.com"
portal_url = "https://portal.example.com/wps/portal"
sametime_version = "9.0"
)";

constexpr std::string_view kNotesIni = "[Notes]\n"
                                       "iNotes_WA_SametimeProxy=1\n"
                                       "iNotes_WA_SametimeProxyServer=https://st.example.com\n"
                                       "iNotes_WA_SametimeProxyServerSSL=https://st.example.com\n"
                                       "iNotes_WA_SametimeProxyLogin=0\n";

constexpr std::string_view kConnections = R"(<?xml version="1.0" encoding="UTF-8"?>
<config xmlns:sloc="http://www.ibm.com/service-location">
  <sloc:serviceReference enabled="true" serviceName="sametimeProxy" ssl_enabled="true"
      isConnectClient="false">
    <sloc:href>
      <sloc:hrefPathPrefix/>
      <sloc:static href="https://st.example.com" ssl_href="https://st.example.com"/>
      <sloc:interService href="https://st.example.com"/>
    </sloc:href>
  </sloc:serviceReference>
</config>
)";

constexpr std::string_view kPortal = "cc.sametime.proxy.enabled=true\n"
                                     "cc.sametime.proxy.scheme=https\n"
                                     "cc.sametime.proxy.host=st.example.com\n"
                                     "cc.sametime.proxy.port=443\n"
                                     "cc.sametime.proxy.version=9.0\n"
                                     "cc.sametime.connect.client=false\n";

constexpr std::string_view kProfile =
    R"({"moduleIDs": ["wp_theme_portal_85", "wp_sametime_proxy"], "titles": []})";

constexpr std::string_view kLimits = "# limits\nstgw - nofile 65535\n";

std::string replaced(std::string text, std::string_view from, std::string_view to) {
  const auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos)
    text.replace(pos, from.size(), to);
  return text;
}

// The files of one integration, written into a scratch folder; each test changes one of them.
class DoctorCliTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_dir_ = new TempDir();
    pki_ = new TestPki();
    ASSERT_TRUE(pki_->create(pki_dir_->path()));
    server_ = new testing::TlsServer(pki_->backend_pem, pki_->backend_key, pki_->intermediate_pem);
    ASSERT_NE(server_->port(), 0);
  }
  static void TearDownTestSuite() {
    delete server_;
    delete pki_;
    delete pki_dir_;
  }

  void SetUp() override {
    auto keys = ssoauth::generate_ltpa_keys_file(kPassword, "testRealm");
    ASSERT_TRUE(keys);
    dir_.write("ltpa.keys", *keys);
    dir_.write("ltpa.password", std::string(kPassword) + "\n");
    dir_.write("wrong.password", "not-it\n");
    dir_.write("domino.secret", "AAECAwQFBgcICQoLDA0ODxAREhM=\n");
    std::string toml(kToml);
    toml = replaced(toml, "@LISTENER_PEM@", pki_->listener_pem);
    toml = replaced(toml, "@LISTENER_KEY@", pki_->listener_key);
    toml = replaced(toml, "@BACKEND_PORT@", std::to_string(server_->port()));
    toml = replaced(toml, "@CA_FILE@", pki_->root_pem);
    files_ = {{"toml", toml},
              {"notes", std::string(kNotesIni)},
              {"connections", std::string(kConnections)},
              {"portal", std::string(kPortal)},
              {"profile", std::string(kProfile)},
              {"limits", std::string(kLimits)}};
  }

  CommandResult doctor(const std::string& extra = "", const std::string& prefix = "") {
    const std::map<std::string, std::string> names = {
        {"toml", "gateway.toml"},   {"notes", "notes.ini"},           {"connections", "lcc.xml"},
        {"portal", "p.properties"}, {"profile", "profile_full.json"}, {"limits", "limits.conf"}};
    for (const auto& [key, text] : files_)
      dir_.write(names.at(key), text);
    return testing::run_stgw(
        "doctor -c " + dir_.file("gateway.toml") + " --notes-ini " + dir_.file("notes.ini") +
            " --connections-config " + dir_.file("lcc.xml") + " --portal-properties " +
            dir_.file("p.properties") + " --portal-profile " + dir_.file("profile_full.json") +
            " --limits-conf " + dir_.file("limits.conf") + " --user stgw --workers 1 " + extra,
        prefix);
  }

  static inline TempDir* pki_dir_ = nullptr;
  static inline TestPki* pki_ = nullptr;
  static inline testing::TlsServer* server_ = nullptr;
  TempDir dir_;
  std::map<std::string, std::string> files_;
};

TEST_F(DoctorCliTest, ConsistentFilesAreAllOk) {
  const CommandResult result = doctor();
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  std::set<std::string> checks;
  std::istringstream in(result.out);
  for (std::string line; std::getline(in, line);) {
    EXPECT_TRUE(line.starts_with("OK ")) << line;
    checks.insert(line.substr(3, line.find(':') - 3));
  }
  for (const char* id :
       {"sso-domain", "sso-keys", "sso-cookies", "nofile", "inotes", "connections", "portal",
        "portal-profile", "backend-reach", "backend-tls", "listener-cert"})
    EXPECT_TRUE(checks.contains(id)) << id << "\n" << result.out;
  EXPECT_EQ(result.out.find(kPassword), std::string::npos);
}

TEST_F(DoctorCliTest, JsonReportForMachines) {
  const CommandResult result = doctor("--json");
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  const auto doc = nlohmann::json::parse(result.out);
  EXPECT_EQ(doc["ok"], true);
  EXPECT_EQ(doc["summary"]["fail"], 0);
  EXPECT_GE(doc["checks"].size(), 11u);
  for (const auto& check : doc["checks"])
    EXPECT_EQ(check["status"], "OK") << check.dump();
}

TEST_F(DoctorCliTest, MissingInputsAreSkippedNotFailed) {
  const CommandResult result = testing::run_stgw(
      "doctor --no-network -c " + dir_.write("gateway.toml", files_["toml"]) + " --user stgw");
  EXPECT_EQ(result.exit_code, 0) << result.out;
  for (const char* line : {"SKIP inotes: no --notes-ini given", "SKIP connections:", "SKIP portal:",
                           "SKIP portal-profile:", "SKIP backend-reach:"})
    EXPECT_NE(result.out.find(line), std::string::npos) << line << "\n" << result.out;
}

struct Fault {
  std::string check;
  std::string file;
  std::string from;
  std::string to;
  std::string needle; // in the FAIL line
};

class DoctorFaultTest : public DoctorCliTest, public ::testing::WithParamInterface<Fault> {};

TEST_P(DoctorFaultTest, PlantedFaultFailsThatCheckWithAFix) {
  const Fault& fault = GetParam();
  std::string from = fault.from, to = fault.to;
  // Faults that involve run-time paths and ports.
  if (fault.check == "backend-reach") {
    from = ":" + std::to_string(server_->port()) + "\"";
    to = ":" + std::to_string(testing::refused_port()) + "\"";
  } else if (fault.check == "backend-tls") {
    from = pki_->root_pem;
    to = pki_->other_root_pem;
  } else if (fault.check == "listener-cert") {
    files_["toml"] = replaced(files_["toml"], pki_->listener_key, pki_->wrong_host_key);
    from = pki_->listener_pem;
    to = pki_->wrong_host_pem;
  }
  files_[fault.file] = replaced(files_[fault.file], from, to);
  const CommandResult result = doctor();
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  bool found = false;
  for (const std::string& line : testing::lines_starting(result.out, "FAIL " + fault.check + ": "))
    found |=
        line.find(fault.needle) != std::string::npos && line.find(" (fix: ") != std::string::npos;
  EXPECT_TRUE(found) << "no FAIL " << fault.check << " with \"" << fault.needle << "\" in:\n"
                     << result.out;
  EXPECT_EQ(result.out.find(kPassword), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Checks, DoctorFaultTest,
    ::testing::Values(
        Fault{"sso-domain", "toml", "domain = \".example.com\"", "domain = \".example.org\"",
              "not under the SSO domain"},
        Fault{"sso-keys", "toml", "password_file = \"ltpa.password\"",
              "password_file = \"wrong.password\"", "wrong password"},
        Fault{"sso-cookies", "toml", "domain = \".example.com\"",
              "domain = \".example.com\"\ncookie_v1 = \"LtpaToken2\"", "both"},
        Fault{"nofile", "limits", "nofile 65535", "nofile 150", "nofile 150"},
        Fault{"inotes", "notes", "ServerSSL=https://", "ServerSSL=http://", "http:// URL"},
        Fault{"connections", "connections", "isConnectClient=\"false\"", "isConnectClient=\"true\"",
              "isConnectClient"},
        Fault{"portal", "portal", "port=443", "port=9444", "prevent integration"},
        Fault{"portal-profile", "profile", "\"wp_sametime_proxy\"", "\"wp_one_ui\"",
              "lacks wp_sametime_proxy"},
        Fault{"backend-reach", "toml", "@PORT@", "", "refused"},
        Fault{"backend-tls", "toml", "@CA@", "", "untrusted issuer \"CN=Test Root CA"},
        Fault{"listener-cert", "toml", "@LISTENER@", "", "st.example.com"},
        Fault{"config", "toml", "[[route]]", "[[route", "gateway.toml"}),
    [](const ::testing::TestParamInfo<Fault>& info) {
      std::string name = info.param.check;
      std::erase(name, '-');
      return name;
    });

TEST_F(DoctorCliTest, BackendTlsFailurePrintsThePresentedChain) {
  files_["toml"] = replaced(files_["toml"], pki_->root_pem, pki_->other_root_pem);
  const CommandResult result = doctor();
  EXPECT_EQ(result.exit_code, 1);
  const std::string leaf = testing::read_file(pki_->backend_pem);
  std::string indented;
  std::istringstream in(leaf);
  for (std::string line; std::getline(in, line);)
    indented += "    " + line + "\n";
  EXPECT_NE(result.out.find(indented), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("    subject: CN=stps.test,O=stgw test"), std::string::npos);
}

TEST_F(DoctorCliTest, RunningLimitBelowTheBudgetFails) {
  const CommandResult result = doctor("", "ulimit -n 150;");
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_EQ(testing::lines_starting(result.out, "FAIL nofile: running hard limit 150").size(), 1u)
      << result.out;
}

} // namespace
} // namespace stgw::doctor
