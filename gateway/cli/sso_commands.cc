// `stgw keys generate|inspect` and `stgw token mint|verify`: the ssoauth library on the command
// line (DESIGN "Command line"). Secrets (passwords, keys, Domino secrets) are read from files
// and never printed; errors name the file and the problem only.
//
// Exit codes: 0 success / valid token, 3 expired token, 4 invalid token, 2 usage or key-file
// error (CLI11 parse errors are mapped to 2 by main()).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "config/loader.h"
#include "gateway/cli/commands.h"
#include "ssoauth/domino_secret.h"
#include "ssoauth/ltpa_keys.h"
#include "ssoauth/mint.h"
#include "ssoauth/validator.h"

namespace stgw::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;
constexpr int kExitExpired = 3;
constexpr int kExitInvalid = 4;

struct GenerateOptions {
  std::string out;
  std::string password_file;
  std::string realm;
};

struct InspectOptions {
  std::string keys;
  std::string password_file;
};

struct MintOptions {
  std::string keys;
  std::string password_file;
  std::string domino_secret_file;
  std::string user;
  std::string format = "ltpa2";
  std::string ttl = "2h";
  std::vector<std::string> attrs;
  std::string at;
};

struct VerifyOptions {
  std::vector<std::string> keys;
  std::vector<std::string> password_files;
  std::vector<std::string> domino_secret_files;
  std::string realm;
  std::string format = "auto";
  std::string at;
  std::string skew = "0s";
  std::int64_t expiry_diff_ms = 3000;
  std::string token;
};

int usage_error(std::string_view message) {
  fmt::print(stderr, "stgw: {}\n", message);
  return kExitUsage;
}

int key_error(std::string_view path, ssoauth::KeyError error) {
  fmt::print(stderr, "stgw: {}: {}\n", path, ssoauth::describe(error));
  return kExitUsage;
}

// UNIX seconds, optionally with a fraction ("1700001000" or "1700001000.250").
std::optional<ssoauth::TimePoint> parse_unix_seconds(std::string_view text) {
  if (text.empty() || text.size() > 20)
    return std::nullopt;
  std::size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() || fraction.size() > 3 || (dot != std::string_view::npos && fraction.empty()))
    return std::nullopt;
  std::int64_t ms = 0;
  for (char c : whole) {
    if (c < '0' || c > '9')
      return std::nullopt;
    ms = ms * 10 + (c - '0');
  }
  std::int64_t frac_ms = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    char c = i < fraction.size() ? fraction[i] : '0';
    if (c < '0' || c > '9')
      return std::nullopt;
    frac_ms = frac_ms * 10 + (c - '0');
  }
  return ssoauth::from_unix_ms(ms * 1000 + frac_ms);
}

std::optional<ssoauth::TimePoint> resolve_time(const std::string& at) {
  if (at.empty())
    return ssoauth::Clock::now();
  return parse_unix_seconds(at);
}

std::expected<ssoauth::LtpaKeySet, int> load_keys(const std::string& keys_path,
                                                  const std::string& password_path) {
  auto password = ssoauth::read_password_file(password_path);
  if (!password)
    return std::unexpected(key_error(password_path, password.error()));
  auto keys = ssoauth::load_ltpa_keys_file(keys_path, *password);
  std::fill(password->begin(), password->end(), '\0');
  if (!keys)
    return std::unexpected(key_error(keys_path, keys.error()));
  return std::move(*keys);
}

// Creates |path| for writing with mode 0600, refusing to replace an existing file: an
// overwritten ltpa.keys silently breaks every server that shares it.
int write_new_file(const std::string& path, std::string_view text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return usage_error(fmt::format("{}: refusing to overwrite an existing file", path));
    return usage_error(fmt::format("{}: cannot create: {}", path, std::strerror(errno)));
  }
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int saved = errno;
      ::close(fd);
      ::unlink(path.c_str());
      return usage_error(fmt::format("{}: write failed: {}", path, std::strerror(saved)));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0)
    return usage_error(fmt::format("{}: write failed: {}", path, std::strerror(errno)));
  return kExitOk;
}

int run_generate(const GenerateOptions& options) {
  auto password = ssoauth::read_password_file(options.password_file);
  if (!password)
    return key_error(options.password_file, password.error());
  auto text = ssoauth::generate_ltpa_keys_file(*password, options.realm);
  std::fill(password->begin(), password->end(), '\0');
  if (!text)
    return usage_error(ssoauth::describe(text.error()));
  int rc = write_new_file(options.out, *text);
  if (rc == kExitOk)
    fmt::print("wrote {} (realm {})\n", options.out, options.realm);
  return rc;
}

int run_inspect(const InspectOptions& options) {
  auto keys = load_keys(options.keys, options.password_file);
  if (!keys)
    return keys.error();
  fmt::print("file: {}\n", options.keys);
  fmt::print("version: {}\n", keys->version);
  fmt::print("realm: {}\n", keys->realm);
  if (!keys->creation_date.empty())
    fmt::print("created: {}\n", keys->creation_date);
  fmt::print("shared key: 3DES, 24 bytes (LtpaToken2 uses the first 16 as AES-128 key and IV)\n");
  fmt::print("public key: RSA-{}, e = 65537\n", keys->key_bits());
  fmt::print("public key sha256: {}\n", keys->public_key_sha256_hex());
  fmt::print("private key: {}\n", keys->private_key ? "present" : "absent");
  return kExitOk;
}

// --attr k=v, repeatable; a repeated name collects several values in order.
std::optional<ssoauth::AttributeList> parse_attributes(const std::vector<std::string>& items) {
  ssoauth::AttributeList attributes;
  for (const auto& item : items) {
    std::size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      return std::nullopt;
    std::string name = item.substr(0, eq);
    std::string value = item.substr(eq + 1);
    auto it = std::find_if(attributes.begin(), attributes.end(),
                           [&](const auto& a) { return a.name == name; });
    if (it != attributes.end())
      it->values.push_back(std::move(value));
    else
      attributes.push_back(ssoauth::Attribute{std::move(name), {std::move(value)}});
  }
  return attributes;
}

int run_mint(const MintOptions& options) {
  auto format = ssoauth::parse_token_format(options.format);
  if (!format)
    return usage_error("--format must be ltpa2, ltpa1 or domino");
  auto ttl = config::parse_duration(options.ttl);
  if (!ttl || ttl->count() <= 0)
    return usage_error("--ttl must be a positive duration such as 90m or 2h");
  auto issued = resolve_time(options.at);
  if (!issued)
    return usage_error("--at must be UNIX seconds");
  ssoauth::TimePoint expires = *issued + *ttl;

  std::expected<std::string, ssoauth::MintError> token;
  if (*format == ssoauth::TokenFormat::Domino) {
    if (options.domino_secret_file.empty())
      return usage_error("--format domino needs --domino-secret-file");
    if (!options.attrs.empty())
      return usage_error("Domino tokens carry no attributes (--attr)");
    auto secret = ssoauth::load_domino_secret_file(options.domino_secret_file);
    if (!secret)
      return key_error(options.domino_secret_file, secret.error());
    token = ssoauth::mint_domino(*secret, options.user, *issued, expires);
  } else {
    if (options.keys.empty() || options.password_file.empty())
      return usage_error("--format ltpa2|ltpa1 needs --keys and --password-file");
    auto attributes = parse_attributes(options.attrs);
    if (!attributes)
      return usage_error("--attr must be name=value");
    auto keys = load_keys(options.keys, options.password_file);
    if (!keys)
      return keys.error();
    // A bare name is placed in the key file's realm; a full access id is taken as given.
    std::string access_id = options.user.starts_with("user:")
                                ? options.user
                                : ssoauth::make_access_id(keys->realm, options.user);
    token = *format == ssoauth::TokenFormat::Ltpa2
                ? ssoauth::mint_ltpa2(*keys, access_id, *attributes, expires)
                : ssoauth::mint_ltpa1(*keys, access_id, *attributes, expires);
  }
  if (!token)
    return usage_error(ssoauth::describe(token.error()));
  fmt::print("{}\n", *token);
  return kExitOk;
}

std::optional<std::string> read_token(const std::string& argument) {
  if (argument != "-")
    return argument;
  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && blank(text.back()))
    text.pop_back();
  std::size_t start = 0;
  while (start < text.size() && blank(text[start]))
    ++start;
  text.erase(0, start);
  if (text.empty())
    return std::nullopt;
  return text;
}

nlohmann::ordered_json verdict_json(const ssoauth::TokenCheck& check) {
  using nlohmann::ordered_json;
  ssoauth::Verdict verdict = check.verdict();
  // The identity of an authentic token is shown when valid or merely expired; a realm
  // mismatch reports only its reason.
  const ssoauth::Identity* id =
      check.identity && verdict != ssoauth::Verdict::Invalid ? &*check.identity : nullptr;
  auto text_or_null = [](const std::string& s) {
    return s.empty() ? ordered_json() : ordered_json(s);
  };
  ordered_json out;
  out["verdict"] = ssoauth::to_string(verdict);
  out["format"] = check.format ? ordered_json(ssoauth::to_string(*check.format)) : ordered_json();
  out["user"] = id ? ordered_json(id->user) : ordered_json();
  out["realm"] = id ? text_or_null(id->realm) : ordered_json();
  out["access_id"] = id ? text_or_null(id->access_id) : ordered_json();
  out["expires_unix_ms"] = id ? ordered_json(id->expires_unix_ms) : ordered_json();
  out["reason"] = check.failure ? ordered_json(ssoauth::to_string(*check.failure)) : ordered_json();
  return out;
}

int run_verify(const VerifyOptions& options) {
  if (options.keys.size() != options.password_files.size())
    return usage_error("each --keys needs its own --password-file, in the same order");
  if (options.keys.empty() && options.domino_secret_files.empty())
    return usage_error("give --keys/--password-file or --domino-secret-file");
  std::optional<ssoauth::TokenFormat> format;
  if (options.format != "auto") {
    format = ssoauth::parse_token_format(options.format);
    if (!format)
      return usage_error("--format must be auto, ltpa2, ltpa1 or domino");
  }
  auto now = resolve_time(options.at);
  if (!now)
    return usage_error("--at must be UNIX seconds");
  auto skew = config::parse_duration(options.skew);
  if (!skew || skew->count() < 0)
    return usage_error("--skew must be a duration such as 0s or 90s");
  auto token = read_token(options.token);
  if (!token)
    return usage_error("no token on standard input");

  std::vector<ssoauth::TrustedKeySet> key_sets;
  for (std::size_t i = 0; i < options.keys.size(); ++i) {
    auto keys = load_keys(options.keys[i], options.password_files[i]);
    if (!keys)
      return keys.error();
    key_sets.push_back(ssoauth::TrustedKeySet{std::move(*keys), options.realm});
  }
  std::vector<ssoauth::DominoSecret> secrets;
  for (const auto& path : options.domino_secret_files) {
    auto secret = ssoauth::load_domino_secret_file(path);
    if (!secret)
      return key_error(path, secret.error());
    secrets.push_back(std::move(*secret));
  }
  ssoauth::ValidatorOptions validator_options;
  validator_options.clock_skew = *skew;
  validator_options.expiry_diff_tolerance = std::chrono::milliseconds(options.expiry_diff_ms);
  ssoauth::Validator validator(validator_options, std::move(key_sets), std::move(secrets));

  ssoauth::TokenCheck check = validator.check_token(format, *token, *now);
  fmt::print("{}\n", verdict_json(check).dump());
  switch (check.verdict()) {
    case ssoauth::Verdict::Valid:
      return kExitOk;
    case ssoauth::Verdict::Expired:
      return kExitExpired;
    case ssoauth::Verdict::Invalid:
      return kExitInvalid;
  }
  return kExitInvalid;
}

void register_keys(CLI::App& app, int& exit_code) {
  CLI::App* keys = app.add_subcommand("keys", "create or inspect WebSphere ltpa.keys exports");
  keys->require_subcommand(1);

  auto gen = std::make_shared<GenerateOptions>();
  CLI::App* generate = keys->add_subcommand(
      "generate", "write a new WebSphere-compatible ltpa.keys (RSA-1024, 3DES)");
  generate->add_option("--out", gen->out, "the file to create (never overwritten)")->required();
  generate
      ->add_option("--password-file", gen->password_file,
                   "file whose first line is the key password")
      ->required();
  generate->add_option("--realm", gen->realm, "the realm, e.g. ldap.example.com:389")->required();
  generate->callback([gen, &exit_code] { exit_code = run_generate(*gen); });

  auto insp = std::make_shared<InspectOptions>();
  CLI::App* inspect =
      keys->add_subcommand("inspect", "show realm, version, key sizes and the public-key SHA-256");
  inspect->add_option("--keys", insp->keys, "the ltpa.keys file")->required();
  inspect
      ->add_option("--password-file", insp->password_file,
                   "file whose first line is the key password")
      ->required();
  inspect->callback([insp, &exit_code] { exit_code = run_inspect(*insp); });
}

void register_token(CLI::App& app, int& exit_code) {
  CLI::App* token = app.add_subcommand("token", "mint or verify LTPA cookie values");
  token->require_subcommand(1);

  auto mo = std::make_shared<MintOptions>();
  CLI::App* mint = token->add_subcommand("mint", "print a new cookie value on standard output");
  mint->add_option("--keys", mo->keys, "ltpa.keys file (ltpa2, ltpa1)");
  mint->add_option("--password-file", mo->password_file,
                   "file whose first line is the key password");
  mint->add_option("--domino-secret-file", mo->domino_secret_file,
                   "file holding the base64 LTPA_DominoSecret");
  mint->add_option("--user", mo->user,
                   "unique name or DN (or a full user:<realm>/<name>); Notes name for domino")
      ->required();
  mint->add_option("--format", mo->format, "ltpa2 (default), ltpa1 or domino");
  mint->add_option("--ttl", mo->ttl, "lifetime, default 2h");
  mint->add_option("--attr", mo->attrs, "extra attribute name=value (ltpa2, ltpa1; repeatable)");
  mint->add_option("--at", mo->at, "issue time in UNIX seconds (default: now)");
  mint->callback([mo, &exit_code] { exit_code = run_mint(*mo); });

  auto vo = std::make_shared<VerifyOptions>();
  CLI::App* verify = token->add_subcommand(
      "verify",
      "check a cookie value; prints one JSON object; exit 0 valid, 3 expired, 4 invalid, 2 usage");
  verify->add_option("--keys", vo->keys, "ltpa.keys file (repeat for rotation)");
  verify->add_option("--password-file", vo->password_files,
                     "password file for the --keys at the same position");
  verify->add_option("--domino-secret-file", vo->domino_secret_files,
                     "base64 LTPA_DominoSecret file (repeatable)");
  verify->add_option("--realm", vo->realm, "require this realm in LTPA access ids");
  verify->add_option("--format", vo->format, "auto (default), ltpa2, ltpa1 or domino");
  verify->add_option("--at", vo->at, "check at this time, UNIX seconds (default: now)");
  verify->add_option("--skew", vo->skew,
                     "clock skew allowed on expiry and Domino creation (default 0s)");
  verify->add_option(
      "--expiry-diff-ms", vo->expiry_diff_ms,
      "LtpaToken2 signed vs outer expiry tolerance in ms (default 3000, negative disables)");
  verify->add_option("token", vo->token, "the cookie value, or - to read it from standard input")
      ->required();
  verify->callback([vo, &exit_code] { exit_code = run_verify(*vo); });
}

} // namespace

void register_sso_commands(CLI::App& app, int& exit_code) {
  register_keys(app, exit_code);
  register_token(app, exit_code);
}

} // namespace stgw::cli
