#pragma once

// `stgw config render`: the settings the integrated products need, rendered from the gateway's
// own config so that there is one source of truth. Pure: no files or sockets are touched; the
// caller reads inputs and writes outputs. Every output except JSON starts with a comment header
// that says where it goes; JSON has no comments, so Rendered::destination carries that text.

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/gateway_config.h"

namespace stgw::config {

enum class RenderTarget {
  Inotes,        // notes.ini lines for the Domino servers that serve iNotes
  Connections,   // the sametimeProxy serviceReference of LotusConnections-config.xml
  Portal,        // WP CommonComponentConfigService custom properties
  PortalProfile, // a Portal theme profile with wp_sametime_proxy in moduleIDs
  Limits,        // /etc/security/limits.conf lines
  Was,           // the STPS WebSphere settings for TLS offload and SSO
};

// "inotes" | "connections" | "portal" | "portal-profile" | "limits" | "was".
std::optional<RenderTarget> parse_render_target(std::string_view name);
std::string_view to_string(RenderTarget target);

enum class PortalFormat {
  Properties, // name=value lines
  Wsadmin,    // a Jython script for wsadmin that creates or updates the properties
};

struct RenderOptions {
  PortalFormat portal_format = PortalFormat::Properties;
  std::string input;                // portal-profile: the profile_full.json text
  std::string input_name;           // its file name, for the messages
  std::string limits_user = "stgw"; // limits: the account the gateway runs as
  int workers = 0;                  // limits: worker threads (see config/budget_math.h)
  // was: addresses STPS sees the gateway connect from (trustedSensitiveHeaderOrigin); empty =
  // the specific listener addresses, else a placeholder the operator must replace.
  std::vector<std::string> gateway_addresses;
};

struct Rendered {
  std::string text;        // the file content, header included where the format allows
  std::string destination; // one line: where this goes (also the first header line)
};

enum class RenderError {
  BadPublicUrl, // [integration] public_url missing or malformed; every target needs it
  NoSso,        // a target that needs [sso] (was) on a config without it
  MissingInput, // portal-profile without an input text
  BadInput,     // the input is not a usable theme profile
};

struct RenderFailure {
  RenderError code;
  std::string message; // for the operator; names the key or file at fault
};

std::expected<Rendered, RenderFailure> render(const GatewayConfig& config, RenderTarget target,
                                              const RenderOptions& options);

// Adds "wp_sametime_proxy" to the top-level moduleIDs array of a theme profile. Returns the
// input unchanged when it is already there; otherwise inserts it as the last element while
// keeping the rest of the text (order, spacing, escapes) as it was. Errors on invalid JSON or
// a missing moduleIDs array.
std::expected<std::string, RenderFailure> add_sametime_module(std::string_view profile_json);

// The guide's limits.conf values for the Sametime servers, shown as comments by the limits
// target and used in docs/INTEGRATION.md.
inline constexpr int kGuideNofile = 65535;

} // namespace stgw::config
