#pragma once

// The Cookie header values of a run: minted from an ltpa.keys export, read from a token file,
// or the one fixed --cookie.  Tokens are secrets: errors name files, never their content.

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "loadtest/load/options.h"

namespace stgw::load {

// One "NAME=token" value for each of |count| users or connections, or one fixed --cookie value,
// or none.  A token file with fewer tokens than |count| is used round robin.  Minted tokens
// belong to users "<prefix>1" ... "<prefix>N" in the key file's realm.
std::expected<std::vector<std::string>, std::string> load_cookies(const Options& options,
                                                                  std::uint64_t count);

// Non-empty, non-comment lines of a token file, trimmed.
std::vector<std::string> parse_token_lines(std::string_view text);

} // namespace stgw::load
