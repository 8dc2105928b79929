#pragma once

// The demo's single sign-on: throwaway LTPA keys, a password file and a demo user's token.

#include <expected>
#include <string>

namespace stgw::cli {

struct DemoSso {
  std::string toml;  // the [sso] section to put in the demo config
  std::string user;  // the demo user's DN
  std::string token; // an LtpaToken2 cookie value for that user (also in ltpatoken2.txt)
};

// Writes ltpa.keys, ltpa.password and ltpatoken2.txt into |folder|.
std::expected<DemoSso, std::string> prepare_demo_sso(const std::string& folder);

} // namespace stgw::cli
