// The doctor's live checks against real files and real sockets on 127.0.0.1: a private PKI
// made with the openssl command, `openssl s_server` as the TLS backend, generated LTPA keys.

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "gateway/doctor/doctor.h"
#include "gateway/doctor/live_checks.h"
#include "ssoauth/ltpa_keys.h"
#include "test/doctor/doctor_test_support.h"

namespace stgw::doctor {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;
using testing::TestPki;

std::string lines(const std::vector<CheckResult>& results) {
  std::string out;
  for (const CheckResult& r : results)
    out += r.to_line() + "\n";
  return out;
}

const CheckResult* find_result(const std::vector<CheckResult>& results, Severity severity,
                               std::string_view needle) {
  for (const CheckResult& r : results)
    if (r.severity == severity && r.found.find(needle) != std::string::npos)
      return &r;
  return nullptr;
}

// One PKI for the whole suite: openssl key generation is the slow part.
class LiveChecksTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    pki_ = new TestPki();
    ASSERT_TRUE(pki_->create(dir_->path()));
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete dir_;
  }

  static config::GatewayConfig listener_config() {
    config::GatewayConfig config;
    config::ListenerConfig listener;
    listener.name = "public";
    listener.address = {"127.0.0.1", 8443};
    listener.tls = config::ListenerTlsConfig{{{pki_->listener_pem, pki_->listener_key}}};
    config.listeners = {listener};
    config.integration.public_url = "https://st.example.com";
    return config;
  }

  static config::GatewayConfig backend_config(int port, std::string ca_file) {
    config::GatewayConfig config;
    config::BackendConfig backend;
    backend.name = "stps";
    backend.servers = {{{"127.0.0.1", static_cast<std::uint16_t>(port)}, ""}};
    backend.tls = config::BackendTlsConfig{std::move(ca_file), true, "stps.test"};
    backend.connect_timeout = 2s;
    config.backends = {backend};
    return config;
  }

  static inline TempDir* dir_ = nullptr;
  static inline TestPki* pki_ = nullptr;
};

// ---- listener-cert

TEST_F(LiveChecksTest, ListenerCertOkForValidMatchingCertificate) {
  const auto results = check_listener_certs(listener_config(), std::chrono::system_clock::now());
  ASSERT_EQ(results.size(), 1u) << lines(results);
  EXPECT_EQ(results[0].severity, Severity::Ok) << lines(results);
  EXPECT_NE(results[0].found.find("DNS:st.example.com"), std::string::npos);
}

TEST_F(LiveChecksTest, ListenerCertFailsWhenSanMissesThePublicHost) {
  config::GatewayConfig config = listener_config();
  config.integration.public_url = "https://chat.example.com";
  const auto results = check_listener_certs(config, std::chrono::system_clock::now());
  const CheckResult* r = find_result(results, Severity::Fail, "chat.example.com");
  ASSERT_NE(r, nullptr) << lines(results);
  EXPECT_EQ(r->check, "listener-cert");
  EXPECT_NE(r->fix.find("DNS:chat.example.com"), std::string::npos);
}

TEST_F(LiveChecksTest, ListenerCertAcceptsAnSniCertificateForThePublicHost) {
  config::GatewayConfig config = listener_config();
  config.listeners[0].tls->certificates.insert(config.listeners[0].tls->certificates.begin(),
                                               {pki_->wrong_host_pem, pki_->wrong_host_key});
  const auto results = check_listener_certs(config, std::chrono::system_clock::now());
  ASSERT_EQ(results.size(), 1u) << lines(results);
  EXPECT_EQ(results[0].severity, Severity::Ok) << lines(results);
}

TEST_F(LiveChecksTest, ListenerCertFailsForAForeignKey) {
  config::GatewayConfig config = listener_config();
  config.listeners[0].tls->certificates[0].private_key = pki_->spare_key;
  const auto results = check_listener_certs(config, std::chrono::system_clock::now());
  ASSERT_NE(find_result(results, Severity::Fail, "does not belong"), nullptr) << lines(results);
  EXPECT_EQ(lines(results).find("PRIVATE KEY"), std::string::npos);
}

TEST_F(LiveChecksTest, ListenerCertGradesValidityAtTheInjectedTime) {
  const auto now = std::chrono::system_clock::now();
  auto results = check_listener_certs(listener_config(), now + 24h * 400);
  EXPECT_NE(find_result(results, Severity::Fail, "expired"), nullptr) << lines(results);
  results = check_listener_certs(listener_config(), now + 24h * 70); // 20 days left of 90
  EXPECT_NE(find_result(results, Severity::Warn, "expires"), nullptr) << lines(results);
  results = check_listener_certs(listener_config(), now - 24h * 2);
  EXPECT_NE(find_result(results, Severity::Fail, "not valid yet"), nullptr) << lines(results);
}

TEST_F(LiveChecksTest, ListenerCertFailsForUnreadableFiles) {
  config::GatewayConfig config = listener_config();
  config.listeners[0].tls->certificates[0].certificate = dir_->file("missing.pem");
  auto results = check_listener_certs(config, std::chrono::system_clock::now());
  EXPECT_NE(find_result(results, Severity::Fail, "cannot read a PEM certificate"), nullptr);
  config = listener_config();
  config.listeners[0].tls->certificates[0].private_key = dir_->write("bad.key", "nonsense\n");
  results = check_listener_certs(config, std::chrono::system_clock::now());
  EXPECT_NE(find_result(results, Severity::Fail, "cannot read an unencrypted PEM private key"),
            nullptr)
      << lines(results);
}

// ---- backend-reach

TEST_F(LiveChecksTest, BackendReachOkForAListeningServerAndFailsForARefusedOne) {
  testing::SilentListener listener;
  config::GatewayConfig config = backend_config(listener.port(), "");
  config.backends[0].servers.push_back(
      {{"127.0.0.1", static_cast<std::uint16_t>(testing::refused_port())}, ""});
  const auto results = check_backend_reach(config);
  ASSERT_EQ(results.size(), 2u) << lines(results);
  EXPECT_EQ(results[0].severity, Severity::Ok) << lines(results);
  EXPECT_NE(results[0].found.find("from 127.0.0.1"), std::string::npos);
  EXPECT_EQ(results[1].severity, Severity::Fail);
  EXPECT_NE(results[1].found.find("refused"), std::string::npos) << lines(results);
  EXPECT_FALSE(results[1].fix.empty());
}

TEST_F(LiveChecksTest, LocalAddressTowardBackendsIsLoopbackForLoopback) {
  const auto addresses = local_addresses_toward_backends(backend_config(9443, ""));
  ASSERT_EQ(addresses.size(), 1u);
  EXPECT_EQ(addresses[0], "127.0.0.1");
}

// ---- backend-tls

TEST_F(LiveChecksTest, BackendTlsOkWhenTheCaFileHasTheRoot) {
  testing::TlsServer server(pki_->backend_pem, pki_->backend_key, pki_->intermediate_pem);
  ASSERT_NE(server.port(), 0);
  const auto results = check_backend_tls(backend_config(server.port(), pki_->root_pem));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].severity, Severity::Ok) << lines(results);
  EXPECT_TRUE(results[0].detail.empty());
}

TEST_F(LiveChecksTest, BackendTlsFailsNamingTheUntrustedIssuerAndPrintsTheChain) {
  testing::TlsServer server(pki_->backend_pem, pki_->backend_key, pki_->intermediate_pem);
  ASSERT_NE(server.port(), 0);
  const auto results = check_backend_tls(backend_config(server.port(), pki_->other_root_pem));
  ASSERT_EQ(results.size(), 1u);
  const CheckResult& r = results[0];
  EXPECT_EQ(r.severity, Severity::Fail) << r.to_line();
  EXPECT_EQ(r.check, "backend-tls");
  EXPECT_NE(r.found.find("untrusted issuer \"CN=Test Root CA,O=stgw test\""), std::string::npos)
      << r.found;
  EXPECT_NE(r.found.find("CN=Test Intermediate CA"), std::string::npos) << r.found;
  EXPECT_NE(r.fix.find("Test Root CA"), std::string::npos);
  EXPECT_NE(r.fix.find(pki_->other_root_pem), std::string::npos);
  // The presented chain: leaf and intermediate, as PEM.
  int begins = 0;
  for (const std::string& line : r.detail)
    begins += line == "-----BEGIN CERTIFICATE-----";
  EXPECT_EQ(begins, 2);
  const std::string leaf_pem = testing::read_file(pki_->backend_pem);
  std::string detail;
  for (const std::string& line : r.detail)
    detail += line + "\n";
  EXPECT_NE(detail.find(leaf_pem), std::string::npos) << detail;
}

TEST_F(LiveChecksTest, BackendTlsNamesTheRootWhenOnlyTheIntermediateIsTrusted) {
  testing::TlsServer server(pki_->backend_pem, pki_->backend_key, "");
  ASSERT_NE(server.port(), 0);
  // The server sends no intermediate and the CA file lacks it: the leaf's issuer is missing.
  const auto results = check_backend_tls(backend_config(server.port(), pki_->root_pem));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].severity, Severity::Fail);
  EXPECT_NE(results[0].found.find("untrusted issuer \"CN=Test Intermediate CA,O=stgw test\" of "
                                  "\"CN=stps.test,O=stgw test\""),
            std::string::npos)
      << results[0].found;
}

TEST_F(LiveChecksTest, BackendTlsFailsForAWrongServerName) {
  testing::TlsServer server(pki_->backend_pem, pki_->backend_key, pki_->intermediate_pem);
  ASSERT_NE(server.port(), 0);
  config::GatewayConfig config = backend_config(server.port(), pki_->root_pem);
  config.backends[0].tls->server_name = "stps.other";
  auto results = check_backend_tls(config);
  ASSERT_NE(find_result(results, Severity::Fail, "not valid for the name stps.other"), nullptr)
      << lines(results);
  // With verification off the same server is only a warning.
  config.backends[0].tls->verify = false;
  results = check_backend_tls(config);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].severity, Severity::Warn) << lines(results);
}

TEST_F(LiveChecksTest, BackendTlsFailsWhenTheServerDoesNotSpeakTls) {
  testing::SilentListener listener;
  config::GatewayConfig config = backend_config(listener.port(), pki_->root_pem);
  config.backends[0].connect_timeout = 300ms; // bounds the handshake too
  const auto results = check_backend_tls(config);
  ASSERT_NE(find_result(results, Severity::Fail, "TLS handshake failed"), nullptr)
      << lines(results);
}

TEST_F(LiveChecksTest, BackendTlsFailsForAnUnreadableCaFile) {
  testing::TlsServer server(pki_->backend_pem, pki_->backend_key, pki_->intermediate_pem);
  ASSERT_NE(server.port(), 0);
  const auto results = check_backend_tls(backend_config(server.port(), dir_->file("nope.pem")));
  ASSERT_NE(find_result(results, Severity::Fail, "cannot load CA file"), nullptr) << lines(results);
}

// ---- sso-keys

class SsoKeysTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto text = ssoauth::generate_ltpa_keys_file(kPassword, "testRealm");
    ASSERT_TRUE(text);
    keys_ = dir_.write("ltpa.keys", *text);
    password_ = dir_.write("ltpa.password", std::string(kPassword) + "\n");
    secret_ = dir_.write("domino.secret", "AAECAwQFBgcICQoLDA0ODxAREhM=\n");
    config::SsoConfig sso;
    sso.domain = ".example.com";
    sso.keys = {{keys_, password_, "testRealm"}};
    sso.domino = {{secret_}};
    config_.sso = sso;
  }

  static constexpr std::string_view kPassword = "s3cret-Passw0rd";
  TempDir dir_;
  std::string keys_, password_, secret_;
  config::GatewayConfig config_;
};

TEST_F(SsoKeysTest, OkListsRealmsWithoutSecrets) {
  const auto results = check_sso_keys(config_);
  ASSERT_EQ(results.size(), 2u) << lines(results);
  EXPECT_EQ(results[0].severity, Severity::Ok) << lines(results);
  EXPECT_NE(results[0].found.find("realm \"testRealm\""), std::string::npos);
  EXPECT_EQ(results[1].severity, Severity::Ok) << lines(results);
  EXPECT_EQ(lines(results).find(kPassword), std::string::npos);
}

TEST_F(SsoKeysTest, FailsForAWrongPasswordWithoutPrintingIt) {
  config_.sso->keys[0].password_file = dir_.write("wrong.password", "not-the-password\n");
  const auto results = check_sso_keys(config_);
  const CheckResult* r = find_result(results, Severity::Fail, "wrong password");
  ASSERT_NE(r, nullptr) << lines(results);
  EXPECT_EQ(r->check, "sso-keys");
  EXPECT_EQ(lines(results).find("not-the-password"), std::string::npos);
}

TEST_F(SsoKeysTest, FailsForRealmMismatchBadSecretAndMissingKeys) {
  config_.sso->keys[0].realm = "otherRealm";
  config_.sso->domino[0].secret_file = dir_.write("short.secret", "AAECAw==\n");
  auto results = check_sso_keys(config_);
  EXPECT_NE(find_result(results, Severity::Fail, "differs from the configured realm"), nullptr)
      << lines(results);
  EXPECT_NE(find_result(results, Severity::Fail, "short.secret"), nullptr) << lines(results);
  config_.sso->keys.clear();
  results = check_sso_keys(config_);
  EXPECT_NE(find_result(results, Severity::Fail, "no [[sso.keys]]"), nullptr) << lines(results);
}

// ---- the report

TEST(DoctorReportTest, FormatsLinesDetailAndJson) {
  Report report;
  report.results = {{"sso-domain", Severity::Ok, "fine", "", {}},
                    {"backend-tls", Severity::Fail, "bad", "do this", {"pem line"}},
                    {"inotes", Severity::Skip, "no --notes-ini given", "", {}}};
  EXPECT_TRUE(report.failed());
  EXPECT_EQ(format_text(report), "OK sso-domain: fine\n"
                                 "FAIL backend-tls: bad (fix: do this)\n"
                                 "    pem line\n"
                                 "SKIP inotes: no --notes-ini given\n");
  const auto doc = nlohmann::json::parse(format_json(report));
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["summary"]["fail"], 1);
  EXPECT_EQ(doc["summary"]["skip"], 1);
  ASSERT_EQ(doc["checks"].size(), 3u);
  EXPECT_EQ(doc["checks"][1]["check"], "backend-tls");
  EXPECT_EQ(doc["checks"][1]["status"], "FAIL");
  EXPECT_EQ(doc["checks"][1]["fix"], "do this");
  EXPECT_EQ(doc["checks"][1]["detail"][0], "pem line");
  report.results.erase(report.results.begin() + 1);
  EXPECT_FALSE(report.failed());
}

} // namespace
} // namespace stgw::doctor
