#pragma once

// A throwaway self-signed certificate for the demo (ECDSA P-256, SAN localhost + 127.0.0.1 +
// ::1, valid for a week). Production listeners load real certificates from files.

#include <expected>
#include <string>

namespace stgw::cli {

// Writes cert.pem and key.pem (mode 0600) into |folder|.
std::expected<void, std::string> write_demo_certificate(const std::string& folder);

} // namespace stgw::cli
