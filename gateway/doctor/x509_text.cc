#include "gateway/doctor/x509_text.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <sstream>

#include "gateway/doctor/openssl_handles.h"

namespace stgw::doctor {

namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return length > 0 ? std::string(data, static_cast<std::size_t>(length)) : std::string();
}

} // namespace

std::string name_text(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || !name)
    return "?";
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return bio_text(bio.get());
}

std::string subject_text(const X509* cert) {
  return name_text(X509_get_subject_name(cert));
}
std::string issuer_text(const X509* cert) {
  return name_text(X509_get_issuer_name(cert));
}

std::vector<std::string> san_names(const X509* cert) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names)
    return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      const ASN1_STRING* s = name->d.dNSName;
      out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                         static_cast<std::size_t>(ASN1_STRING_length(s))));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      char text[64] = {};
      const int family = ASN1_STRING_length(ip) == 16 ? AF_INET6 : AF_INET;
      if (inet_ntop(family, ASN1_STRING_get0_data(ip), text, sizeof text))
        out.push_back(std::string("IP:") + text);
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::string not_after_text(const X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio)
    return "?";
  ASN1_TIME_print_ex(bio.get(), X509_get0_notAfter(cert), ASN1_DTFLGS_ISO8601);
  return bio_text(bio.get());
}

std::vector<std::string> pem_lines(const X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  std::vector<std::string> out;
  if (!bio || PEM_write_bio_X509(bio.get(), const_cast<X509*>(cert)) != 1)
    return out;
  std::istringstream in(bio_text(bio.get()));
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

std::string openssl_error_text() {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!out.empty())
      out += "; ";
    out += buffer;
  }
  return out.empty() ? std::string("unknown OpenSSL error") : out;
}

} // namespace stgw::doctor
