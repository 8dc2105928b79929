#pragma once

// The checks of `stgw doctor` that need the machine or the network. Each returns one result
// per thing checked (key file, certificate, backend server) and never prints secrets: key
// passwords, key material and private keys stay inside.

#include <chrono>
#include <string>
#include <vector>

#include "config/gateway_config.h"
#include "config/product_files_lint.h"

namespace stgw::doctor {

// sso-keys: each [[sso.keys]] file decrypts with its password file and its realm matches the
// configured one (realms listed); each [[sso.domino]] secret decodes to 20 bytes; every
// accepted token format has keys.
std::vector<config::CheckResult> check_sso_keys(const config::GatewayConfig& config);

// listener-cert: each TLS listener certificate is within its validity at |now| (WARN within 30
// days of expiry), its private key matches it, and some certificate of each listener covers the
// public URL's host in its subjectAltName.
std::vector<config::CheckResult> check_listener_certs(const config::GatewayConfig& config,
                                                      std::chrono::system_clock::time_point now);

// backend-reach: every backend server accepts a TCP connection within its connect_timeout.
// The OK line names the local address used, which is what STPS sees as the gateway.
std::vector<config::CheckResult> check_backend_reach(const config::GatewayConfig& config);

// backend-tls: for TLS backends, the chain each server presents verifies against the
// configured ca_file (or the system store) for the configured name. On failure the untrusted
// issuer and subject are named and the presented chain is attached as PEM (detail lines), so
// the operator can add the signer (WebSphere's CWPKI0022E case).
std::vector<config::CheckResult> check_backend_tls(const config::GatewayConfig& config);

// The local addresses this host uses to reach the backend servers (route lookup only: a UDP
// "connect" sends nothing). For `config render --for was` (trustedSensitiveHeaderOrigin).
std::vector<std::string> local_addresses_toward_backends(const config::GatewayConfig& config);

} // namespace stgw::doctor
