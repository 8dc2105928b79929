// stgw-load against the real stgw (LTPA required on /stwebapi/) in front of the real stps-sim,
// all on loopback ports chosen at run time.  The assertions are about counts and kinds, never
// about timing.

#include <gtest/gtest.h>

#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ssoauth/ltpa_keys.h"
#include "test/loadtest/integration/load_harness.h"

namespace stgw::load::itest {
namespace {

constexpr const char* kPassword = "stgw-load-test-password";

// Runs stgw-load with |args| and parses its --json report (null when it did not run).
nlohmann::json run_load(const TempDir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), STGW_LOAD_BIN);
  args.push_back("--json");
  args.push_back("--no-progress");
  RunResult r = run(args, dir.path(), 90s);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto report = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(report.is_discarded()) << r.out << r.err;
  return report.is_discarded() ? nlohmann::json() : report;
}

class StgwLoadIntegrationTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    auto keys = ssoauth::generate_ltpa_keys_file(kPassword, "loadrealm");
    ASSERT_TRUE(keys);
    keys_ = dir_.write("ltpa.keys", *keys);
    password_ = dir_.write("ltpa.password", std::string(kPassword) + "\n");
    // Polls held 2 s: each user parks one during the run and some are answered and re-issued.
    sim_ = std::make_unique<Child>(
        std::vector<std::string>{STPS_SIM_BIN, "--listen", "127.0.0.1:0", "--poll-hold", "2s"},
        dir_.path(), "stps-sim", "stps-sim listening on ");
    ASSERT_TRUE(sim_->started()) << sim_->stderr_text();
    sim_address_ = sim_->ready_line().substr(sim_->ready_line().rfind(' ') + 1);
  }

  // Starts stgw with a cleartext listener (and a TLS one when |tls| is set); retries with new
  // ports when a parallel test took one in between.
  void start_gateway(bool tls = false) {
    if (tls) {
      cert_ = dir_.file("gw.pem");
      std::string key = dir_.file("gw.key");
      RunResult r = run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                         "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj",
                         "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                         "-keyout", key, "-out", cert_},
                        dir_.path());
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    for (int attempt = 0; attempt < 3; ++attempt) {
      http_port_ = free_port();
      https_port_ = tls ? free_port() : 0;
      std::string config = "[server]\nworkers = 1\n\n[admin]\naddress = \"off\"\n\n"
                           "[[listener]]\nname = \"http\"\naddress = \"127.0.0.1:" +
                           std::to_string(http_port_) + "\"\n\n";
      if (tls)
        config +=
            "[[listener]]\nname = \"https\"\naddress = \"127.0.0.1:" + std::to_string(https_port_) +
            "\"\ntls = { certificate = \"" + cert_ + "\", private_key = \"" + dir_.file("gw.key") +
            "\" }\n\n";
      config += "[sso]\n[[sso.keys]]\nfile = \"" + keys_ + "\"\npassword_file = \"" + password_ +
                "\"\n\n[[backend]]\nname = \"stps\"\nservers = [\"" + sim_address_ +
                "\"]\nhealth_check = { enabled = false }\n\n"
                "[[route]]\nprefix = \"/stwebapi/\"\nbackend = \"stps\"\nauth = \"required\"\n\n"
                "[[route]]\nprefix = \"/\"\nbackend = \"stps\"\n";
      std::string path = dir_.write("gateway.toml", config);
      gateway_ = std::make_unique<Child>(std::vector<std::string>{STGW_BIN, "serve", "-c", path},
                                         dir_.path(), "stgw", "stgw ready:");
      if (gateway_->started())
        return;
    }
    FAIL() << "stgw did not start:\n" << gateway_->stderr_text();
  }

  std::string http_url() const { return "http://127.0.0.1:" + std::to_string(http_port_); }
  std::string https_url() const { return "https://127.0.0.1:" + std::to_string(https_port_); }

  TempDir dir_;
  std::string keys_;
  std::string password_;
  std::string cert_;
  std::string sim_address_;
  std::uint16_t http_port_ = 0;
  std::uint16_t https_port_ = 0;
  std::unique_ptr<Child> sim_;
  std::unique_ptr<Child> gateway_;
};

TEST_F(StgwLoadIntegrationTest, EveryAwarenessUserParksAPollThroughTheGateway) {
  ASSERT_NO_FATAL_FAILURE(start_gateway());
  nlohmann::json report =
      run_load(dir_, {"awareness", "--url", http_url(), "-u", "200", "-d", "3s", "--rate", "1",
                      "--ramp", "500ms", "--keys", keys_, "--password-file", password_});
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report["errors"]["total"], 0) << report.dump(2) << gateway_->stderr_text();
  EXPECT_EQ(report["awareness"]["users"], 200);
  EXPECT_EQ(report["awareness"]["users_parked"], 200) << report.dump(2);
  EXPECT_EQ(report["awareness"]["users_connected"], 200);
  EXPECT_LE(report["awareness"]["polls_parked_max"].get<int>(), 200);
  EXPECT_GT(report["requests"].get<int>(), 0); // presence look-ups, answered 200
  EXPECT_FALSE(report["status"].contains("401"));
}

TEST_F(StgwLoadIntegrationTest, TokensFromOtherKeysAreCountedAsRefusals) {
  ASSERT_NO_FATAL_FAILURE(start_gateway());
  // The same key password, but keys the gateway does not trust.
  auto other = ssoauth::generate_ltpa_keys_file(kPassword, "loadrealm");
  ASSERT_TRUE(other);
  std::string other_keys = dir_.write("other.keys", *other);
  RunResult mint = run({STGW_BIN, "token", "mint", "--keys", other_keys, "--password-file",
                        password_, "--user", "mallory"},
                       dir_.path());
  ASSERT_EQ(mint.exit_code, 0) << mint.err;
  std::string tokens = dir_.write("tokens.txt", mint.out);
  nlohmann::json report = run_load(dir_, {"rps", "--url", http_url() + "/stwebapi/presence?user=a",
                                          "-c", "4", "-n", "200", "--token-file", tokens});
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report["requests"], 200);
  EXPECT_EQ(report["status"]["401"], 200) << report.dump(2);
  EXPECT_EQ(report["errors"]["status_401"], 200);
  EXPECT_EQ(report["errors"]["total"], 200); // nothing but the refusals
  // The token never appears in what stgw-load prints.
  std::string token = mint.out.substr(0, mint.out.find('\n'));
  ASSERT_GT(token.size(), 20u);
  EXPECT_EQ(report.dump().find(token.substr(0, 20)), std::string::npos);
}

TEST_F(StgwLoadIntegrationTest, HandshakeScenarioOverTheGatewaysTlsListener) {
  ASSERT_NO_FATAL_FAILURE(start_gateway(true));
  nlohmann::json report = run_load(
      dir_, {"handshake", "--url", https_url() + "/", "--ca-file", cert_, "-c", "4", "-n", "40"});
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report["errors"]["total"], 0) << report.dump(2);
  EXPECT_EQ(report["requests"], 40);
  EXPECT_EQ(report["tls_handshakes"], 40);
  EXPECT_EQ(report["connections_opened"], 40);
}

TEST_F(StgwLoadIntegrationTest, AnUntrustedCertificateIsATlsError) {
  ASSERT_NO_FATAL_FAILURE(start_gateway(true));
  nlohmann::json report =
      run_load(dir_, {"rps", "--url", https_url() + "/", "-c", "2", "-d", "500ms"});
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report["requests"], 0);
  EXPECT_GT(report["errors"]["tls"].get<int>(), 0) << report.dump(2);
}

// wrk with loadtest/wrk/ltpa_cookie.lua: valid tokens pass the auth gate, foreign ones do not.
TEST_F(StgwLoadIntegrationTest, WrkScriptSendsTheTokensOfItsFile) {
  const std::string wrk = "/usr/bin/wrk";
  if (::access(wrk.c_str(), X_OK) != 0)
    GTEST_SKIP() << "wrk is not installed";
  ASSERT_NO_FATAL_FAILURE(start_gateway());
  auto other = ssoauth::generate_ltpa_keys_file(kPassword, "loadrealm");
  ASSERT_TRUE(other);
  std::string other_keys = dir_.write("other.keys", *other);
  std::string good, bad;
  for (const std::string user : {"alice", "bob"}) {
    RunResult g = run(
        {STGW_BIN, "token", "mint", "--keys", keys_, "--password-file", password_, "--user", user},
        dir_.path());
    RunResult b = run({STGW_BIN, "token", "mint", "--keys", other_keys, "--password-file",
                       password_, "--user", user},
                      dir_.path());
    ASSERT_EQ(g.exit_code, 0) << g.err;
    ASSERT_EQ(b.exit_code, 0) << b.err;
    good += g.out;
    bad += b.out;
  }
  std::string script = std::string(STGW_SOURCE_DIR) + "/loadtest/wrk/ltpa_cookie.lua";
  std::string url = http_url() + "/stwebapi/presence?user=alice";
  RunResult ok = run({wrk, "-t2", "-c2", "-d1s", "-s", script, url, "--",
                      dir_.write("good.txt", "# two users\n" + good)},
                     dir_.path());
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("requests in"), std::string::npos) << ok.out;
  EXPECT_EQ(ok.out.find("Non-2xx"), std::string::npos) << ok.out;
  EXPECT_NE(ok.err.find("2 tokens, mode thread"), std::string::npos) << ok.err;
  EXPECT_EQ(ok.err.find(good.substr(0, 16)), std::string::npos); // tokens are never printed

  RunResult refused =
      run({wrk, "-t1", "-c2", "-d1s", "-s", script, url, "--", dir_.write("bad.txt", bad)},
          dir_.path());
  EXPECT_EQ(refused.exit_code, 0) << refused.err;
  EXPECT_NE(refused.out.find("Non-2xx or 3xx responses"), std::string::npos) << refused.out;
}

TEST(StgwLoadRefusalTest, NothingListeningGivesConnectErrors) {
  TempDir dir;
  std::uint16_t port = free_port();
  nlohmann::json report =
      run_load(dir, {"rps", "--url", "http://127.0.0.1:" + std::to_string(port) + "/", "-c", "2",
                     "-d", "300ms"});
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report["requests"], 0);
  EXPECT_GT(report["errors"]["connect"].get<int>(), 0) << report.dump(2);
}

TEST(StgwLoadRefusalTest, BadCommandLinesExitTwoWithAMessage) {
  TempDir dir;
  RunResult r = run({STGW_LOAD_BIN, "awareness", "--url", "http://127.0.0.1:1"}, dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("credentials"), std::string::npos) << r.err;
  RunResult keys = run({STGW_LOAD_BIN, "rps", "--url", "http://127.0.0.1:1", "--keys",
                        dir.file("none.keys"), "--password-file", dir.file("none.pw")},
                       dir.path());
  EXPECT_EQ(keys.exit_code, 1);
  EXPECT_NE(keys.err.find("none.pw"), std::string::npos) << keys.err;
}

} // namespace
} // namespace stgw::load::itest
