#pragma once

// Printing certificates for the doctor's messages: names, SANs, dates and PEM. Public data
// only; nothing here touches private keys.

#include <string>
#include <vector>

#include <openssl/x509.h>

namespace stgw::doctor {

std::string name_text(const X509_NAME* name); // RFC 2253, e.g. "CN=st.example.com,O=Example"
std::string subject_text(const X509* cert);
std::string issuer_text(const X509* cert);
std::vector<std::string> san_names(const X509* cert); // "DNS:st.example.com", "IP:10.0.0.1"
std::string not_after_text(const X509* cert);         // "2027-01-31 12:00:00 UTC"
std::vector<std::string> pem_lines(const X509* cert); // BEGIN ... END, one element per line
std::string openssl_error_text();                     // and clears the error queue

} // namespace stgw::doctor
