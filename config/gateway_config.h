#pragma once

// The whole gateway configuration as one immutable tree. Defaults live here as member
// initialisers; config/loader.cc fills the tree from TOML and config/validate.cc checks it.
// Once loaded it is shared as std::shared_ptr<const GatewayConfig> and never changed; a reload
// builds a new tree and swaps it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stgw::config {

using Duration = std::chrono::milliseconds;
using namespace std::chrono_literals;

// A "host:port" pair as written in the file; host may be a name, an IPv4 address or a
// bracketed IPv6 address (brackets removed here).
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
  std::string to_string() const; // "host:port", IPv6 re-bracketed
};

struct ServerConfig {
  int workers = 0;                             // 0 = one per core
  Duration drain_timeout = 30s;                // SIGTERM: how long in-flight exchanges may finish
  std::size_t max_header_bytes = 16 * 1024;    // request line + headers; above → 431
  std::size_t max_uri_bytes = 8 * 1024;        // request target; above → 414
  std::uint64_t max_body_bytes = 100ull << 20; // request body; above → 413; 0 = unlimited
  Duration keepalive_timeout = 75s;            // idle client connection between requests
  Duration header_timeout = 15s;               // a request head must arrive within this
  int busy_poll_us = 50; // longest a worker polls before sleeping (net::AdaptivePoll); 0 = never
};

struct BudgetConfig {
  int nofile_reserve = 64;          // descriptors kept for listeners, logs, key files
  int max_client_connections = 0;   // 0 = the capacity derived from RLIMIT_NOFILE
  int max_connections_per_ip = 0;   // 0 = unlimited
  int max_connections_per_user = 0; // 0 = unlimited
  int max_parked_per_user = 0;      // 0 = unlimited
};

struct CertificateConfig {
  std::string certificate; // PEM chain, absolute path after loading
  std::string private_key; // PEM key, absolute path after loading
};

struct ListenerTlsConfig {
  std::vector<CertificateConfig> certificates; // first = default, others chosen by SNI
  std::string min_version = "TLSv1.2";         // "TLSv1.2" or "TLSv1.3"
};

struct ListenerConfig {
  std::string name; // defaults to the address as written back by HostPort::to_string()
  HostPort address; // empty host = every interface; port 0 = the kernel picks (tests)
  std::vector<std::string> alpn = {"http/1.1"};
  std::optional<ListenerTlsConfig> tls; // absent = cleartext
};

struct AdminConfig {
  // nullopt = admin disabled (written address = "" or "off")
  std::optional<HostPort> address = HostPort{"127.0.0.1", 9901};
};

enum class TokenFormat { Ltpa2, Ltpa1, Domino };

struct KeyFileConfig {
  std::string file;          // WebSphere ltpa.keys export
  std::string password_file; // file holding the key password (first line)
  std::string realm;         // expected realm; empty = accept the file's realm
};

struct DominoSecretConfig {
  std::string secret_file; // base64 LTPA_DominoSecret
};

struct SsoConfig {
  std::string domain; // ".example.com"
  std::string cookie_v1 = "LtpaToken";
  std::string cookie_v2 = "LtpaToken2";
  std::vector<TokenFormat> accept = {TokenFormat::Ltpa2, TokenFormat::Ltpa1, TokenFormat::Domino};
  Duration clock_skew = 0s;
  Duration expiry_diff_tolerance = 3000ms; // negative disables the inner/outer expiry check
  std::size_t cache_entries = 65536;
  std::string login_url; // for on_unauthenticated = "redirect"
  std::string identity_header = "X-Sametime-User";
  std::vector<KeyFileConfig> keys;
  std::vector<DominoSecretConfig> domino;
};

struct BackendTlsConfig {
  std::string ca_file; // empty = system trust store
  bool verify = true;
  std::string server_name; // SNI and name to verify; empty = the server's host
};

struct BackendServerConfig {
  HostPort address;
  std::string clone_id; // WebSphere clone id for JSESSIONID affinity; may be empty
};

enum class Affinity { None, JSessionId, User };

struct HealthCheckConfig {
  bool enabled = true;
  std::string path = "/"; // empty = TCP connect only
  Duration interval = 5s;
  Duration timeout = 2s;
};

struct BackendConfig {
  std::string name;
  std::vector<BackendServerConfig> servers;
  std::optional<BackendTlsConfig> tls; // absent = cleartext
  Affinity affinity = Affinity::JSessionId;
  HealthCheckConfig health_check;
  Duration connect_timeout = 5s;
  int max_connections_per_server = 0; // 0 = unlimited
  int max_idle_per_server = 64;       // pooled keep-alive connections kept per worker
  Duration idle_timeout = 60s;        // pooled connection unused this long is closed
  Duration queue_timeout = 5s;        // wait for a connection slot before 503
};

enum class AuthMode { None, Optional, Required };
enum class UnauthenticatedAction { Reject401, Redirect };

struct RouteConfig {
  std::string prefix = "/";
  std::string host;    // empty = any host; compared case-insensitively without port
  std::string backend; // name of a [[backend]]
  AuthMode auth = AuthMode::None;
  UnauthenticatedAction on_unauthenticated = UnauthenticatedAction::Reject401;
  Duration timeout = 90s;      // request sent → response head received; above → 504
  Duration idle_timeout = 90s; // no bytes either way while streaming; above → 504 or close
};

struct AccessLogConfig {
  std::string path; // empty = off, "-" = stdout
  std::string format = "json";
  bool include_query = false; // keep the query string in the logged path
  Duration flush_interval = 1s;
};

struct IntegrationConfig {
  std::string public_url;                  // what browsers reach, e.g. https://st.example.com
  std::vector<std::string> inotes_servers; // Domino hosts or URLs serving iNotes
  std::string connections_url;
  std::string portal_url;
  std::string sametime_version = "9.0";
};

struct GatewayConfig {
  std::string source_path; // the file it was loaded from (absolute), empty for embedded
  ServerConfig server;
  BudgetConfig budget;
  std::vector<ListenerConfig> listeners;
  AdminConfig admin;
  std::optional<SsoConfig> sso; // absent = no [sso] section
  std::vector<BackendConfig> backends;
  std::vector<RouteConfig> routes;
  AccessLogConfig access_log;
  IntegrationConfig integration;

  const BackendConfig* find_backend(std::string_view name) const;
};

using ConfigPtr = std::shared_ptr<const GatewayConfig>;

std::string_view to_string(TokenFormat format);           // "ltpa2" | "ltpa1" | "domino"
std::string_view to_string(AuthMode mode);                // "none" | "optional" | "required"
std::string_view to_string(Affinity affinity);            // "none" | "jsessionid" | "user"
std::string_view to_string(UnauthenticatedAction action); // "401" | "redirect"

} // namespace stgw::config
