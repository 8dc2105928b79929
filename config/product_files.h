#pragma once

// Parsers for the files that the integrated products keep: Domino's notes.ini, IBM Connections'
// LotusConnections-config.xml, a WebSphere Portal properties file, a Portal theme profile
// (profile_full.json) and /etc/security/limits.conf. Pure: text in, structs out, never throws.
// The checks on what they contain are in config/product_files_lint.h.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stgw::config {

// One "key=value" setting with the 1-based line it came from.
struct Setting {
  std::string key;
  std::string value;
  int line = 0;
};

// notes.ini: "Key=Value" lines. Domino treats keys case-insensitively and reads the first
// occurrence of a key, so find() does the same. Lines without '=', "[Notes]" and lines starting
// with ';' or '#' are ignored.
struct NotesIni {
  std::vector<Setting> settings;

  const Setting* find(std::string_view key) const; // first, case-insensitive
  std::vector<const Setting*> find_all(std::string_view key) const;
};
NotesIni parse_notes_ini(std::string_view text);

// A Java properties file (the subset Portal exports and admins write): "key=value",
// "key: value" or "key value"; '#' and '!' comments; backslash line continuation; the escapes
// \t \n \r \f \\ \= \: \uXXXX. Later keys override earlier ones, as in java.util.Properties.
struct Properties {
  std::vector<Setting> settings;

  const Setting* find(std::string_view key) const; // last, case-sensitive
};
Properties parse_properties(std::string_view text);

// The <sloc:serviceReference serviceName="sametimeProxy"> element of LotusConnections-config.xml.
// Attributes absent from the file are nullopt.
struct SametimeProxyReference {
  int line = 0;
  std::optional<std::string> enabled;
  std::optional<std::string> ssl_enabled;
  std::optional<std::string> is_connect_client;
  std::optional<std::string> static_href;       // <sloc:href><sloc:static href=...>
  std::optional<std::string> static_ssl_href;   // <sloc:static ssl_href=...>
  std::optional<std::string> interservice_href; // <sloc:interService href=...>
};

// The element when present, nullopt when the file has none; an error message when the text is
// not well-formed XML (with line and column).
std::expected<std::optional<SametimeProxyReference>, std::string>
find_sametime_proxy_reference(std::string_view xml);

// What the checks need from a Portal theme profile.
struct ThemeProfile {
  bool has_module_ids = false; // a top-level "moduleIDs" array exists
  std::vector<std::string> module_ids;

  bool has_module(std::string_view id) const;
};
// Error message when the text is not JSON or not an object.
std::expected<ThemeProfile, std::string> parse_theme_profile(std::string_view json);

// /etc/security/limits.conf: "<domain> <type> <item> <value>" lines.
struct LimitEntry {
  std::string domain;                 // user name, "@group", "*", "%..." or a uid/gid range
  std::string type;                   // "soft", "hard" or "-" (both)
  std::string item;                   // "nofile", "nproc", ...
  std::string value;                  // as written
  std::optional<std::int64_t> number; // nullopt for "unlimited"/"infinity"/-1
  int line = 0;
};

struct LimitsConf {
  std::vector<LimitEntry> entries;
  std::vector<std::string> problems; // "line N: ..." for lines pam_limits would ignore
};
LimitsConf parse_limits_conf(std::string_view text);

// The limit pam_limits would give |user| for |item| from this one file: a user line beats an
// "@group" line (for the groups in |groups|), which beats "*"; among lines of equal rank the
// last wins; "*" and "@group" do not apply to root. nullopt members mean "not set by the file".
struct EffectiveLimit {
  std::optional<std::int64_t> soft; // INT64_MAX for unlimited
  std::optional<std::int64_t> hard;
  int soft_line = 0;
  int hard_line = 0;
};
EffectiveLimit effective_limit(const LimitsConf& conf, std::string_view user,
                               const std::vector<std::string>& groups, std::string_view item);

} // namespace stgw::config
