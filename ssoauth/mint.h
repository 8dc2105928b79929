#pragma once

// Minting IBM-compatible tokens (for tests, the demo and `stgw token mint`). The gateway itself
// only validates; STPS and the products issue the tokens users carry.

#include <expected>
#include <string>
#include <string_view>

#include "ssoauth/domino_secret.h"
#include "ssoauth/identity.h"
#include "ssoauth/ltpa_keys.h"
#include "ssoauth/user_data.h"

namespace stgw::ssoauth {

enum class MintError {
  NoPrivateKey,     // the key set was loaded without a private key
  InvalidUser,      // access id not "user:<realm>/<name>", or a name that is empty, not UTF-8 or
                    // holds control characters
  InvalidAttribute, // name empty/reserved ("u", "expire") or holding % $ : | \, value empty,
                    // not UTF-8, with control characters or (multi-valued names) a '|'
  InvalidTime,      // negative, or outside Domino's 32-bit seconds
  CryptoFailure,    // OpenSSL or ICU failed
};
std::string_view describe(MintError error);

// LtpaToken2 with u = |access_id|, the given extra attributes (several values allowed), and
// "expire" inside and outside; attributes sorted and escaped as IBM does.
std::expected<std::string, MintError> mint_ltpa2(const LtpaKeySet& keys, std::string_view access_id,
                                                 const AttributeList& attributes,
                                                 TimePoint expires);

// WebSphere LtpaToken v1 with userdata u (plus any extra attributes), unsigned outer expiry.
std::expected<std::string, MintError> mint_ltpa1(const LtpaKeySet& keys, std::string_view access_id,
                                                 const AttributeList& attributes,
                                                 TimePoint expires);

// Domino LtpaToken for a Notes name (UTF-8, written as LMBCS); times truncated to seconds.
std::expected<std::string, MintError> mint_domino(const DominoSecret& secret, std::string_view name,
                                                  TimePoint creation, TimePoint expires);

} // namespace stgw::ssoauth
