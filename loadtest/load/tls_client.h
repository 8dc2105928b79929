#pragma once

// The TLS client context every connection of a run shares (SSL_CTX is safe to share for
// SSL_new across threads).  No session cache: every handshake is a full one.

#include <expected>
#include <string>

#include <openssl/ssl.h>

#include "loadtest/load/options.h"

namespace stgw::load {

// TLS 1.2+, ALPN http/1.1, verification on unless --insecure (trusting --ca-file, else the
// system store), small buffers between records.  The caller frees it with SSL_CTX_free.
std::expected<SSL_CTX*, std::string> make_client_context(const Options& options);

} // namespace stgw::load
