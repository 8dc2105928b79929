// backend-reach and backend-tls: the doctor connects to every backend server the way the
// gateway will, one at a time, with the backend's connect_timeout.

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <chrono>

#include "config/render_url.h"
#include "gateway/doctor/live_checks.h"
#include "gateway/doctor/openssl_handles.h"
#include "gateway/doctor/tcp_probe.h"
#include "gateway/doctor/x509_text.h"

namespace stgw::doctor {

using config::CheckResult;
using config::Severity;

namespace {

constexpr std::string_view kReach = "backend-reach";
constexpr std::string_view kTls = "backend-tls";

std::string server_label(const config::BackendConfig& backend,
                         const config::BackendServerConfig& server) {
  return "backend " + backend.name + " server " + host_port_text(server.address);
}

} // namespace

std::vector<CheckResult> check_backend_reach(const config::GatewayConfig& config) {
  std::vector<CheckResult> out;
  for (const config::BackendConfig& backend : config.backends) {
    for (const config::BackendServerConfig& server : backend.servers) {
      const auto started = std::chrono::steady_clock::now();
      auto conn = connect_with_timeout(server.address, backend.connect_timeout);
      const std::string label = server_label(backend, server);
      if (!conn) {
        out.push_back({std::string(kReach),
                       Severity::Fail,
                       label + " does not accept connections: " + conn.error(),
                       "start STPS there, or correct [[backend]] servers; check DNS and the "
                       "firewall between this host and STPS (connect_timeout " +
                           std::to_string(backend.connect_timeout.count()) + " ms)",
                       {}});
        continue;
      }
      const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - started);
      out.push_back({std::string(kReach),
                     Severity::Ok,
                     label + " accepted (" + conn->peer_address() + " in " +
                         std::to_string(took.count() / 1000) + "." +
                         std::to_string(took.count() % 1000 / 100) + " ms) from " +
                         conn->local_address(),
                     "",
                     {}});
    }
  }
  if (out.empty())
    out.push_back({std::string(kReach), Severity::Skip, "no [[backend]] servers", "", {}});
  return out;
}

// ---- backend-tls

namespace {

struct HandshakeResult {
  SslPtr ssl;                   // owns the peer chain
  std::vector<X509*> presented; // leaf first; borrowed from |ssl|
};

std::expected<HandshakeResult, std::string> handshake(const TcpConnection& conn,
                                                      const std::string& server_name) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx)
    return std::unexpected(openssl_error_text());
  // Verification is done afterwards on the presented chain so that a failure can say which
  // signer is missing instead of only aborting the handshake.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  SslPtr ssl(SSL_new(ctx.get()));
  if (!ssl || SSL_set_fd(ssl.get(), conn.fd()) != 1)
    return std::unexpected(openssl_error_text());
  if (!config::is_ip_literal(server_name))
    SSL_set_tlsext_host_name(ssl.get(), server_name.c_str());
  ERR_clear_error();
  if (SSL_connect(ssl.get()) != 1)
    return std::unexpected("TLS handshake failed: " + openssl_error_text());
  HandshakeResult result{std::move(ssl), {}};
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(result.ssl.get());
  for (int i = 0; chain && i < sk_X509_num(chain); ++i)
    result.presented.push_back(sk_X509_value(chain, i));
  if (result.presented.empty())
    return std::unexpected(std::string("no certificate presented"));
  SSL_shutdown(result.ssl.get());
  return result;
}

struct VerifyOutcome {
  int error = X509_V_OK;
  std::string message;
  std::string subject; // of the certificate at which verification stopped
  std::string issuer;
};

std::expected<X509StorePtr, std::string> trust_store(const std::string& ca_file) {
  X509StorePtr store(X509_STORE_new());
  if (!store)
    return std::unexpected(openssl_error_text());
  ERR_clear_error();
  const int loaded = ca_file.empty() ? X509_STORE_set_default_paths(store.get())
                                     : X509_STORE_load_file(store.get(), ca_file.c_str());
  if (loaded != 1)
    return std::unexpected("cannot load CA file " + ca_file + ": " + openssl_error_text());
  return store;
}

VerifyOutcome verify_chain(X509_STORE* store, const std::vector<X509*>& presented,
                           const std::string& name) {
  VerifyOutcome outcome;
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  for (std::size_t i = 1; i < presented.size(); ++i)
    sk_X509_push(untrusted, presented[i]);
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (ctx && X509_STORE_CTX_init(ctx.get(), store, presented.front(), untrusted) == 1) {
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    if (config::is_ip_literal(name))
      X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
    else
      X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
    if (X509_verify_cert(ctx.get()) != 1) {
      outcome.error = X509_STORE_CTX_get_error(ctx.get());
      outcome.message = X509_verify_cert_error_string(outcome.error);
      if (X509* at = X509_STORE_CTX_get_current_cert(ctx.get())) {
        outcome.subject = subject_text(at);
        outcome.issuer = issuer_text(at);
      }
    }
  } else {
    outcome.error = X509_V_ERR_UNSPECIFIED;
    outcome.message = openssl_error_text();
  }
  sk_X509_free(untrusted); // the certificates belong to the SSL object
  ERR_clear_error();
  return outcome;
}

bool missing_signer(int error) {
  return error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
         error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
         error == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
         error == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
         error == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
}

std::vector<std::string> chain_detail(const std::vector<X509*>& presented) {
  std::vector<std::string> lines = {"presented chain (" + std::to_string(presented.size()) +
                                    " certificate(s), leaf first):"};
  for (const X509* cert : presented) {
    lines.push_back("subject: " + subject_text(cert));
    lines.push_back("issuer:  " + issuer_text(cert));
    for (std::string& line : pem_lines(cert))
      lines.push_back(std::move(line));
  }
  return lines;
}

CheckResult check_one_tls(const config::BackendConfig& backend,
                          const config::BackendServerConfig& server) {
  const config::BackendTlsConfig& tls = *backend.tls;
  const std::string label = server_label(backend, server);
  const std::string name = tls.server_name.empty() ? server.address.host : tls.server_name;
  const std::string trust =
      tls.ca_file.empty() ? std::string("the system trust store") : tls.ca_file;
  auto conn = connect_with_timeout(server.address, backend.connect_timeout);
  if (!conn)
    return {std::string(kTls),
            Severity::Fail,
            label + ": cannot connect: " + conn.error(),
            "see backend-reach",
            {}};
  auto store = trust_store(tls.ca_file);
  if (!store)
    return {std::string(kTls),
            Severity::Fail,
            label + ": " + store.error(),
            "point [backend.tls] ca_file at a readable PEM file of CA certificates",
            {}};
  auto hs = handshake(*conn, name);
  if (!hs)
    return {std::string(kTls),
            Severity::Fail,
            label + ": " + hs.error(),
            "check that STPS speaks TLS on this port (9443 or 9444, not 9080)",
            {}};
  const VerifyOutcome outcome = verify_chain(store->get(), hs->presented, name);
  const std::string leaf = subject_text(hs->presented.front());
  if (outcome.error == X509_V_OK) {
    const Severity severity = tls.verify ? Severity::Ok : Severity::Warn;
    return {std::string(kTls),
            severity,
            label + ": chain of " + leaf + " verifies against " + trust + " for " + name +
                (tls.verify ? "" : ", but [backend.tls] verify = false"),
            tls.verify ? "" : "set verify = true",
            {}};
  }
  CheckResult result{std::string(kTls), tls.verify ? Severity::Fail : Severity::Warn, "", "",
                     chain_detail(hs->presented)};
  if (missing_signer(outcome.error)) {
    result.found = label + ": " + outcome.message + ": untrusted issuer \"" + outcome.issuer +
                   "\" of \"" + outcome.subject + "\"; " + trust +
                   " lacks that signer (WebSphere reports this as CWPKI0022E)";
    result.fix = "add the CA certificate \"" + outcome.issuer + "\" to " + trust +
                 " (the presented chain is below as PEM; take the signer from your CA and "
                 "compare fingerprints before trusting it)";
  } else if (outcome.error == X509_V_ERR_HOSTNAME_MISMATCH ||
             outcome.error == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    result.found = label + ": certificate \"" + leaf + "\" is not valid for the name " + name;
    result.fix = "set [backend.tls] server_name to a name in the certificate, or reissue the "
                 "certificate with " +
                 name + " in its subjectAltName";
  } else {
    result.found =
        label + ": chain does not verify: " + outcome.message + " at \"" + outcome.subject + "\"";
    result.fix = "renew or replace the STPS certificate chain";
  }
  if (!tls.verify)
    result.fix = "set verify = true after fixing: " + result.fix;
  return result;
}

} // namespace

std::vector<CheckResult> check_backend_tls(const config::GatewayConfig& config) {
  std::vector<CheckResult> out;
  for (const config::BackendConfig& backend : config.backends) {
    if (!backend.tls)
      continue;
    for (const config::BackendServerConfig& server : backend.servers)
      out.push_back(check_one_tls(backend, server));
  }
  if (out.empty())
    out.push_back({std::string(kTls), Severity::Skip, "no TLS backends", "", {}});
  return out;
}

std::vector<std::string> local_addresses_toward_backends(const config::GatewayConfig& config) {
  std::vector<std::string> out;
  for (const config::BackendConfig& backend : config.backends) {
    for (const config::BackendServerConfig& server : backend.servers) {
      addrinfo hints{};
      hints.ai_socktype = SOCK_DGRAM;
      hints.ai_flags = AI_NUMERICSERV;
      addrinfo* results = nullptr;
      const std::string port = std::to_string(server.address.port);
      if (getaddrinfo(server.address.host.c_str(), port.c_str(), &hints, &results) != 0)
        continue;
      // A connected UDP socket only looks up the route; no packet is sent.
      const int fd = ::socket(results->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd >= 0 && ::connect(fd, results->ai_addr, results->ai_addrlen) == 0) {
        sockaddr_storage local{};
        socklen_t length = sizeof local;
        char host[NI_MAXHOST] = {};
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0 &&
            getnameinfo(reinterpret_cast<sockaddr*>(&local), length, host, sizeof host, nullptr, 0,
                        NI_NUMERICHOST) == 0 &&
            std::find(out.begin(), out.end(), host) == out.end())
          out.push_back(host);
      }
      if (fd >= 0)
        ::close(fd);
      freeaddrinfo(results);
    }
  }
  return out;
}

} // namespace stgw::doctor
