#include "gateway/net/tls_context.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

namespace stgw::net {
namespace {

std::string last_openssl_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0)
    return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<std::string> certificate_names(SSL_CTX* ctx) {
  std::vector<std::string> names;
  X509* cert = SSL_CTX_get0_certificate(ctx);
  if (cert == nullptr)
    return names;
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
    if (name->type != GEN_DNS)
      continue;
    const unsigned char* data = ASN1_STRING_get0_data(name->d.dNSName);
    int length = ASN1_STRING_length(name->d.dNSName);
    names.push_back(lower(std::string_view(reinterpret_cast<const char*>(data), length)));
  }
  GENERAL_NAMES_free(sans);
  if (names.empty()) {
    char cn[256] = {};
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0)
      names.push_back(lower(cn));
  }
  return names;
}

bool name_matches(std::string_view pattern, std::string_view host) {
  if (pattern == host)
    return true;
  if (!pattern.starts_with("*."))
    return false;
  auto dot = host.find('.');
  return dot != std::string_view::npos && host.substr(dot) == pattern.substr(1);
}

// TLS 1.3 suites in the server's order of preference. AES-128-GCM first: as strong as its
// clients need, faster than AES-256 with AES-NI, and its SHA-256 transcript keeps each
// connection's state smaller (about 0.2 KiB of every parked TLS poll) than OpenSSL's default,
// AES-256-GCM with SHA-384. The other two stay for clients that offer only them.
constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

int min_version_of(const std::string& text) {
  return text == "TLSv1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
}

std::string alpn_wire(const std::vector<std::string>& protocols) {
  std::string wire;
  for (const auto& protocol : protocols) {
    wire.push_back(static_cast<char>(protocol.size()));
    wire += protocol;
  }
  return wire;
}

} // namespace

std::expected<std::shared_ptr<ServerTlsContext>, std::vector<std::string>>
ServerTlsContext::create(const config::ListenerTlsConfig& tls,
                         const std::vector<std::string>& alpn) {
  std::shared_ptr<ServerTlsContext> context(new ServerTlsContext());
  context->alpn_wire_ = alpn_wire(alpn);
  std::vector<std::string> errors;
  for (const auto& pair : tls.certificates) {
    SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    SSL_CTX_set_min_proto_version(ctx.get(), min_version_of(tls.min_version));
    // Parked long polls hold a TLS connection for minutes: release its buffers while idle.
    // The chain sent is exactly the certificate file's: without NO_AUTO_CHAIN OpenSSL tries
    // to build a chain from its (empty) store on every handshake, which costs CPU and adds
    // nothing.
    SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN);
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                       SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_SERVER);
    SSL_CTX_set_ciphersuites(ctx.get(), kTls13Suites);
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), pair.certificate.c_str()) != 1) {
      errors.push_back(fmt::format("{}: cannot load certificate chain: {}", pair.certificate,
                                   last_openssl_error()));
      continue;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), pair.private_key.c_str(), SSL_FILETYPE_PEM) != 1) {
      errors.push_back(
          fmt::format("{}: cannot load private key: {}", pair.private_key, last_openssl_error()));
      continue;
    }
    if (SSL_CTX_check_private_key(ctx.get()) != 1) {
      errors.push_back(fmt::format("{}: private key does not match certificate {}",
                                   pair.private_key, pair.certificate));
      ERR_clear_error();
      continue;
    }
    SSL_CTX_set_alpn_select_cb(ctx.get(), &ServerTlsContext::on_alpn_select, context.get());
    context->certificates_.push_back({std::move(ctx), {}});
    context->certificates_.back().names =
        certificate_names(context->certificates_.back().ctx.get());
  }
  if (tls.certificates.empty())
    errors.push_back("TLS listener without certificates");
  if (!errors.empty())
    return std::unexpected(std::move(errors));
  SSL_CTX* primary = context->certificates_.front().ctx.get();
  SSL_CTX_set_tlsext_servername_callback(primary, &ServerTlsContext::on_servername);
  SSL_CTX_set_tlsext_servername_arg(primary, context.get());
  return context;
}

SSL* ServerTlsContext::new_ssl() const {
  return SSL_new(certificates_.front().ctx.get());
}

const ServerTlsContext::Certificate* ServerTlsContext::select(std::string_view server_name) const {
  std::string host = lower(server_name);
  for (const auto& certificate : certificates_)
    for (const auto& name : certificate.names)
      if (name_matches(name, host))
        return &certificate;
  return nullptr;
}

int ServerTlsContext::on_servername(SSL* ssl, int*, void* arg) noexcept {
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr)
    return SSL_TLSEXT_ERR_OK;
  auto* self = static_cast<ServerTlsContext*>(arg);
  const Certificate* chosen = self->select(name);
  if (chosen != nullptr && chosen != &self->certificates_.front())
    SSL_set_SSL_CTX(ssl, chosen->ctx.get());
  return SSL_TLSEXT_ERR_OK;
}

int ServerTlsContext::on_alpn_select(SSL*, const unsigned char** out, unsigned char* out_length,
                                     const unsigned char* in, unsigned in_length,
                                     void* arg) noexcept {
  auto* self = static_cast<ServerTlsContext*>(arg);
  auto* server = reinterpret_cast<const unsigned char*>(self->alpn_wire_.data());
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, server,
                            static_cast<unsigned>(self->alpn_wire_.size()), in,
                            in_length) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

std::expected<std::shared_ptr<ClientTlsContext>, std::string>
ClientTlsContext::create(const config::BackendTlsConfig& tls) {
  std::shared_ptr<ClientTlsContext> context(new ClientTlsContext());
  context->ctx_.reset(SSL_CTX_new(TLS_client_method()));
  context->verify_ = tls.verify;
  context->server_name_ = tls.server_name;
  SSL_CTX* ctx = context->ctx_.get();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (tls.verify) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    int loaded = tls.ca_file.empty()
                     ? SSL_CTX_set_default_verify_paths(ctx)
                     : SSL_CTX_load_verify_locations(ctx, tls.ca_file.c_str(), nullptr);
    if (loaded != 1)
      return std::unexpected(
          fmt::format("{}: cannot load CA file: {}", tls.ca_file, last_openssl_error()));
  }
  return context;
}

SSL* ClientTlsContext::new_ssl(const std::string& host) const {
  SSL* ssl = SSL_new(ctx_.get());
  const std::string& name = server_name_.empty() ? host : server_name_;
  bool is_ip = name.find_first_not_of("0123456789.") == std::string::npos ||
               name.find(':') != std::string::npos;
  if (!is_ip)
    SSL_set_tlsext_host_name(ssl, name.c_str());
  if (verify_) {
    if (is_ip)
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
    else
      SSL_set1_host(ssl, name.c_str());
  }
  return ssl;
}

std::string_view tls_version(const SSL* ssl) {
  return ssl == nullptr ? std::string_view() : std::string_view(SSL_get_version(ssl));
}

} // namespace stgw::net
