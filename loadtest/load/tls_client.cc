#include "loadtest/load/tls_client.h"

#include <openssl/err.h>

#include <fmt/format.h>

namespace stgw::load {

std::expected<SSL_CTX*, std::string> make_client_context(const Options& options) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr)
    return std::unexpected(std::string("cannot create a TLS context"));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Thousands of parked TLS connections: let OpenSSL drop its buffers between records.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof(kAlpn));
  if (options.insecure) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    return ctx;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  int ok = options.ca_file.empty()
               ? SSL_CTX_set_default_verify_paths(ctx)
               : SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr);
  if (ok != 1) {
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return std::unexpected(options.ca_file.empty()
                               ? std::string("cannot load the system trust store")
                               : fmt::format("{}: not a readable PEM CA file", options.ca_file));
  }
  return ctx;
}

} // namespace stgw::load
