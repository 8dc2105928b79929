// TLS on both sides: listener certificates chosen by SNI, protocol versions, ALPN, and
// certificate verification towards a TLS backend.

#include "test/integration/fixture.h"

namespace stgw::itest {
namespace {

// openssl s_client against the gateway's TLS listener; |extra| adds e.g. -tls1_3.
CommandResult s_client(std::uint16_t port, const std::vector<std::string>& extra) {
  std::vector<std::string> argv{"openssl", "s_client", "-connect",
                                "127.0.0.1:" + std::to_string(port)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  // Stdin at EOF: s_client shakes hands, prints the session and leaves.
  return run_command(argv, {}, 15s);
}

class TlsListenerTest : public DataPlaneTest {
protected:
  void SetUp() override {
    a_ = make_self_signed(dir_, "a.test");
    b_ = make_self_signed(dir_, "b.test");
    ConfigOptions options;
    options.https_port = 1; // replaced by a free port in start()
    options.tls_certificates = certificate_entry(a_) + ", " + certificate_entry(b_);
    ASSERT_TRUE(start(options));
  }
  std::uint16_t port() const { return options_.https_port; }

  std::pair<std::string, std::string> a_, b_;
};

TEST_F(TlsListenerTest, SniNamesGetTheirOwnCertificates) {
  for (const auto& [name, cert] : {std::pair{"a.test", a_.first}, std::pair{"b.test", b_.first}}) {
    // Trusting only that name's certificate and checking the host name proves which one came.
    CommandResult r = s_client(port(), {"-servername", name, "-CAfile", cert, "-verify_hostname",
                                        name, "-verify_return_error"});
    EXPECT_EQ(r.exit_code, 0) << name << "\n" << r.out << r.err;
    EXPECT_NE(r.out.find(std::string("subject=CN = ") + name), std::string::npos) << r.out;
  }
  // A name the gateway has no certificate for, and no SNI at all, get the first (default).
  for (const std::vector<std::string>& sni : {std::vector<std::string>{"-servername", "c.test"},
                                              std::vector<std::string>{"-noservername"}}) {
    CommandResult r = s_client(port(), sni);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("subject=CN = a.test"), std::string::npos) << r.out;
  }
}

TEST_F(TlsListenerTest, CurlVerifiesEachNameAndGetsProxied) {
  for (const auto& [name, cert] : {std::pair{"a.test", a_.first}, std::pair{"b.test", b_.first}}) {
    std::string port_text = std::to_string(port());
    HttpReply reply =
        curl({"--resolve", std::string(name) + ":" + port_text + ":127.0.0.1", "--cacert", cert,
              "https://" + std::string(name) + ":" + port_text + "/echo"});
    ASSERT_EQ(reply.curl_exit, 0) << name << " " << reply.raw;
    EXPECT_EQ(reply.status, 200);
    nlohmann::json echo = reply.json();
    EXPECT_EQ(echo_header(echo, "X-Forwarded-Proto"), std::vector<std::string>{"https"});
    EXPECT_EQ(echo_header(echo, "$WSSN"), std::vector<std::string>{name});
  }
}

TEST_F(TlsListenerTest, NegotiatesTls12AndTls13WithHttp11Alpn) {
  for (const auto& [flag, version] :
       {std::pair{"-tls1_2", "TLSv1.2"}, std::pair{"-tls1_3", "TLSv1.3"}}) {
    CommandResult r = s_client(port(), {"-servername", "a.test", flag, "-alpn", "h2,http/1.1"});
    EXPECT_EQ(r.exit_code, 0) << flag << "\n" << r.err;
    EXPECT_NE(r.out.find(std::string("New, ") + version + ","), std::string::npos) << flag << "\n"
                                                                                   << r.out;
    // h2 is not offered yet: ALPN settles on http/1.1.
    EXPECT_NE(r.out.find("ALPN protocol: http/1.1"), std::string::npos) << flag << "\n" << r.out;
  }
}

TEST_F(TlsListenerTest, Tls13PrefersAes128GcmAndStillServesClientsOfferingOnlyTheOthers) {
  // s_client offers OpenSSL's default order (AES-256-GCM first); the server's order decides.
  CommandResult preferred = s_client(port(), {"-servername", "a.test", "-tls1_3"});
  EXPECT_EQ(preferred.exit_code, 0) << preferred.err;
  EXPECT_NE(preferred.out.find("Cipher is TLS_AES_128_GCM_SHA256"), std::string::npos)
      << preferred.out;
  for (const char* suite : {"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}) {
    CommandResult only =
        s_client(port(), {"-servername", "a.test", "-tls1_3", "-ciphersuites", suite});
    EXPECT_EQ(only.exit_code, 0) << suite << "\n" << only.err;
    EXPECT_NE(only.out.find(std::string("Cipher is ") + suite), std::string::npos) << only.out;
  }
}

TEST_F(DataPlaneTest, MinVersionTls13RefusesTls12) {
  auto cert = make_self_signed(dir_, "a.test");
  ConfigOptions options;
  options.https_port = 1;
  options.tls_certificates = certificate_entry(cert);
  options.tls_extra = ", min_version = \"TLSv1.3\"";
  ASSERT_TRUE(start(options));
  CommandResult tls12 = s_client(options_.https_port, {"-servername", "a.test", "-tls1_2"});
  EXPECT_NE(tls12.exit_code, 0) << tls12.out;
  EXPECT_EQ(tls12.out.find("New, TLSv1.2,"), std::string::npos) << tls12.out;
  CommandResult tls13 = s_client(options_.https_port, {"-servername", "a.test", "-tls1_3"});
  EXPECT_EQ(tls13.exit_code, 0) << tls13.err;
  EXPECT_NE(tls13.out.find("New, TLSv1.3,"), std::string::npos) << tls13.out;
}

class BackendTlsTest : public DataPlaneTest {
protected:
  // stps-sim speaking TLS with a leaf for backend.test signed by its own CA.
  void start_tls_backend() {
    backend_ = make_ca_signed(dir_, "backend", "backend.test");
    sim_ = std::make_unique<StpsSim>(
        dir_, std::vector<std::string>{"--tls-cert", backend_.cert, "--tls-key", backend_.key});
    ASSERT_TRUE(sim_->started()) << sim_->process().stderr_text();
  }
  ConfigOptions options_with_ca(const std::string& ca_file, const std::string& server_name) {
    ConfigOptions options;
    options.backend_address = sim_->address();
    options.backend_extra = "tls = { ca_file = \"" + ca_file +
                            "\", verify = true, server_name = \"" + server_name + "\" }\n";
    return options;
  }

  SignedCert backend_;
};

TEST_F(BackendTlsTest, VerifiedBackendWithCaFileServesRequests) {
  ASSERT_NO_FATAL_FAILURE(start_tls_backend());
  ASSERT_TRUE(start_gateway(options_with_ca(backend_.ca_cert, "backend.test")));
  HttpReply reply = curl({url("/echo")});
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(reply.json()["method"], "GET");
  // A second request rides the pooled TLS connection.
  HttpReply again = curl({url("/download?bytes=300000"), "-o", dir_.file("dl.bin")});
  EXPECT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(read_file(dir_.file("dl.bin")).size(), 300000u);
}

TEST_F(BackendTlsTest, EmptyServerNameVerifiesTheServerAddress) {
  // server_name = "" means the server's own host, here 127.0.0.1: the certificate carries it as
  // an IP subjectAltName.
  ASSERT_NO_FATAL_FAILURE(start_tls_backend());
  ASSERT_TRUE(start_gateway(options_with_ca(backend_.ca_cert, "")));
  HttpReply reply = curl({url("/echo")});
  EXPECT_EQ(reply.status, 200) << reply.raw;
}

TEST_F(BackendTlsTest, BackendCertificateFromAnotherCaGives502) {
  ASSERT_NO_FATAL_FAILURE(start_tls_backend());
  SignedCert stranger = make_ca_signed(dir_, "stranger", "backend.test");
  ASSERT_TRUE(start_gateway(options_with_ca(stranger.ca_cert, "backend.test")));
  HttpReply reply = curl({url("/echo")});
  EXPECT_EQ(reply.status, 502) << reply.raw;
  EXPECT_EQ(reply.header("content-type"), "application/json");
  EXPECT_TRUE(reply.json().contains("error")) << reply.body;
}

TEST_F(BackendTlsTest, WrongServerNameGives502) {
  ASSERT_NO_FATAL_FAILURE(start_tls_backend());
  ASSERT_TRUE(start_gateway(options_with_ca(backend_.ca_cert, "other.test")));
  HttpReply reply = curl({url("/echo")});
  EXPECT_EQ(reply.status, 502) << reply.raw;
  EXPECT_TRUE(reply.json().contains("error")) << reply.body;
}

} // namespace
} // namespace stgw::itest
