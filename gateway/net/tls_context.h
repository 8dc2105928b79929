#pragma once

// TLS contexts: one server context per TLS listener (several certificates chosen by SNI, ALPN
// selection, TLS 1.2/1.3) and one client context per TLS backend (verification against a CA
// file). Built at start-up and on reload; immutable afterwards and shared by all workers.

#include <expected>
#include <memory>
#include <string>
#include <vector>

#include <openssl/ssl.h>

#include "config/gateway_config.h"
#include "gateway/net/handles.h"

namespace stgw::net {

class ServerTlsContext {
public:
  // Loads every certificate and key of |tls|; returns every error found (file, reason).
  static std::expected<std::shared_ptr<ServerTlsContext>, std::vector<std::string>>
  create(const config::ListenerTlsConfig& tls, const std::vector<std::string>& alpn);

  // A new SSL object for an accepted connection (default certificate; SNI switches it).
  SSL* new_ssl() const;

  ServerTlsContext(const ServerTlsContext&) = delete;
  ServerTlsContext& operator=(const ServerTlsContext&) = delete;

private:
  struct Certificate {
    SslCtxPtr ctx;
    std::vector<std::string> names; // DNS SANs (or CN), lower case; "*.x" wildcards kept
  };
  ServerTlsContext() = default;
  const Certificate* select(std::string_view server_name) const;
  static int on_servername(SSL* ssl, int* alert, void* arg) noexcept;
  static int on_alpn_select(SSL* ssl, const unsigned char** out, unsigned char* out_length,
                            const unsigned char* in, unsigned in_length, void* arg) noexcept;

  std::vector<Certificate> certificates_; // [0] is the default
  std::string alpn_wire_;                 // length-prefixed protocol list, server preference
};

class ClientTlsContext {
public:
  static std::expected<std::shared_ptr<ClientTlsContext>, std::string>
  create(const config::BackendTlsConfig& tls);

  // A new SSL object for a backend connection to |host| (SNI and name/IP verification).
  SSL* new_ssl(const std::string& host) const;

private:
  ClientTlsContext() = default;
  SslCtxPtr ctx_;
  bool verify_ = true;
  std::string server_name_;
};

// The negotiated protocol version as text ("TLSv1.3"), or "" for cleartext.
std::string_view tls_version(const SSL* ssl);

} // namespace stgw::net
