// listener-cert: the certificates browsers get from the gateway. Keys are read only to compare
// them with their certificate; nothing about them is printed.

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <cstdio>

#include "config/render_url.h"
#include "gateway/doctor/live_checks.h"
#include "gateway/doctor/openssl_handles.h"
#include "gateway/doctor/x509_text.h"

namespace stgw::doctor {

using config::CheckResult;
using config::Severity;

namespace {

constexpr std::string_view kCheck = "listener-cert";
constexpr auto kExpiryWarning = std::chrono::hours(24 * 30);

X509Ptr read_leaf(const std::string& path) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio)
    return nullptr;
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// A key protected by a passphrase is reported, not prompted for: the gateway cannot use it.
int refuse_passphrase(char*, int, int, void*) {
  return 0;
}

EvpPkeyPtr read_key(const std::string& path) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio)
    return nullptr;
  return EvpPkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, nullptr));
}

bool covers(X509* cert, const std::string& host) {
  if (config::is_ip_literal(host))
    return X509_check_ip_asc(cert, host.c_str(), 0) == 1;
  // Browsers ignore the subject CN; so does this check.
  return X509_check_host(cert, host.c_str(), host.size(), X509_CHECK_FLAG_NEVER_CHECK_SUBJECT,
                         nullptr) == 1;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items)
    out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? std::string("none") : out;
}

// Validity and key of one certificate; appends problems, returns the certificate when readable.
X509Ptr check_certificate(const std::string& label, const config::CertificateConfig& files,
                          std::chrono::system_clock::time_point now,
                          std::vector<CheckResult>& out) {
  ERR_clear_error();
  X509Ptr cert = read_leaf(files.certificate);
  if (!cert) {
    out.push_back({std::string(kCheck),
                   Severity::Fail,
                   label + ": cannot read a PEM certificate from " + files.certificate,
                   "point certificate at the PEM chain (leaf first)",
                   {}});
    ERR_clear_error();
    return nullptr;
  }
  const std::string subject = subject_text(cert.get());
  time_t at = std::chrono::system_clock::to_time_t(now);
  time_t soon = std::chrono::system_clock::to_time_t(now + kExpiryWarning);
  if (X509_cmp_time(X509_get0_notBefore(cert.get()), &at) > 0) {
    out.push_back({std::string(kCheck),
                   Severity::Fail,
                   label + ": \"" + subject + "\" is not valid yet",
                   "check the clock or the "
                   "certificate's notBefore",
                   {}});
  } else if (X509_cmp_time(X509_get0_notAfter(cert.get()), &at) < 0) {
    out.push_back({std::string(kCheck),
                   Severity::Fail,
                   label + ": \"" + subject + "\" expired " + not_after_text(cert.get()),
                   "renew the certificate",
                   {}});
  } else if (X509_cmp_time(X509_get0_notAfter(cert.get()), &soon) < 0) {
    out.push_back({std::string(kCheck),
                   Severity::Warn,
                   label + ": \"" + subject + "\" expires " + not_after_text(cert.get()),
                   "renew the certificate within 30 days",
                   {}});
  }
  EvpPkeyPtr key = read_key(files.private_key);
  if (!key) {
    out.push_back({std::string(kCheck),
                   Severity::Fail,
                   label + ": cannot read an unencrypted PEM private key from " + files.private_key,
                   "point private_key at the certificate's key (PEM, without passphrase)",
                   {}});
  } else if (X509_check_private_key(cert.get(), key.get()) != 1) {
    out.push_back({std::string(kCheck),
                   Severity::Fail,
                   label + ": the private key in " + files.private_key + " does not belong to \"" +
                       subject + "\"",
                   "pair the certificate with the key it was issued for",
                   {}});
  }
  ERR_clear_error();
  return cert;
}

} // namespace

std::vector<CheckResult> check_listener_certs(const config::GatewayConfig& config,
                                              std::chrono::system_clock::time_point now) {
  std::vector<CheckResult> out;
  const auto public_url = config::parse_url(config.integration.public_url);
  for (const config::ListenerConfig& listener : config.listeners) {
    if (!listener.tls)
      continue;
    const std::size_t before = out.size();
    bool host_covered = false;
    bool all_read = true;
    std::vector<std::string> names;
    std::string default_subject;
    for (std::size_t i = 0; i < listener.tls->certificates.size(); ++i) {
      const config::CertificateConfig& files = listener.tls->certificates[i];
      const std::string label = "listener " + listener.name + " certificate " + files.certificate;
      X509Ptr cert = check_certificate(label, files, now, out);
      if (!cert) {
        all_read = false;
        continue;
      }
      if (i == 0)
        default_subject = subject_text(cert.get());
      for (std::string& name : san_names(cert.get()))
        names.push_back(std::move(name));
      if (public_url && covers(cert.get(), public_url->host))
        host_covered = true;
    }
    if (public_url && all_read && !host_covered)
      out.push_back({std::string(kCheck),
                     Severity::Fail,
                     "listener " + listener.name + ": no certificate covers the public URL host " +
                         public_url->host + " (subjectAltName: " + joined(names) + ")",
                     "issue a certificate with DNS:" + public_url->host + " in its subjectAltName",
                     {}});
    if (out.size() == before)
      out.push_back({std::string(kCheck),
                     Severity::Ok,
                     "listener " + listener.name + ": \"" + default_subject +
                         "\" valid, key matches, " +
                         (public_url ? "covers " + public_url->host
                                     : std::string("public_url unset, host not checked")) +
                         " (subjectAltName: " + joined(names) + ")",
                     "",
                     {}});
  }
  if (out.empty())
    out.push_back({std::string(kCheck), Severity::Skip, "no TLS listeners", "", {}});
  return out;
}

} // namespace stgw::doctor
