#include "loadtest/load/credentials.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "loadtest/load/clients.h"
#include "ssoauth/ltpa_keys.h"
#include "ssoauth/mint.h"
#include "ssoauth/user_data.h"

namespace stgw::load {
namespace {

std::expected<std::vector<std::string>, std::string> mint_cookies(const Options& options,
                                                                  std::uint64_t count) {
  auto password = ssoauth::read_password_file(options.password_file);
  if (!password)
    return std::unexpected(
        fmt::format("{}: {}", options.password_file, ssoauth::describe(password.error())));
  auto keys = ssoauth::load_ltpa_keys_file(options.keys_file, *password);
  if (!keys)
    return std::unexpected(
        fmt::format("{}: {}", options.keys_file, ssoauth::describe(keys.error())));
  auto expires = ssoauth::Clock::now() +
                 std::chrono::duration_cast<ssoauth::Clock::duration>(options.token_ttl);
  std::vector<std::string> cookies;
  cookies.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string access_id = ssoauth::make_access_id(keys->realm, user_name(options.user_prefix, i));
    auto token = ssoauth::mint_ltpa2(*keys, access_id, {}, expires);
    if (!token)
      return std::unexpected(
          fmt::format("minting a token failed: {}", ssoauth::describe(token.error())));
    cookies.push_back(options.cookie_name + "=" + *token);
  }
  return cookies;
}

} // namespace

std::vector<std::string> parse_token_lines(std::string_view text) {
  std::vector<std::string> tokens;
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
      line.remove_prefix(1);
    if (line.empty() || line.front() == '#')
      continue;
    tokens.emplace_back(line);
  }
  return tokens;
}

std::expected<std::vector<std::string>, std::string> load_cookies(const Options& options,
                                                                  std::uint64_t count) {
  if (!options.cookie.empty())
    return std::vector<std::string>{options.cookie};
  if (!options.keys_file.empty())
    return mint_cookies(options, count);
  if (options.token_file.empty())
    return std::vector<std::string>{};
  std::ifstream in(options.token_file, std::ios::binary);
  if (!in)
    return std::unexpected(fmt::format("{}: cannot read the token file", options.token_file));
  std::ostringstream text;
  text << in.rdbuf();
  auto tokens = parse_token_lines(text.str());
  if (tokens.empty())
    return std::unexpected(fmt::format("{}: no tokens in the file", options.token_file));
  for (const auto& t : tokens) {
    for (char c : t) {
      if (c == ';' || c == ',' || static_cast<unsigned char>(c) < 0x21 || c == 0x7f)
        return std::unexpected(
            fmt::format("{}: a line is not a cookie value (one token per line, no spaces or ';')",
                        options.token_file));
    }
  }
  std::vector<std::string> cookies;
  cookies.reserve(tokens.size());
  for (auto& t : tokens)
    cookies.push_back(options.cookie_name + "=" + t);
  return cookies;
}

} // namespace stgw::load
