// Every rule about what the values mean, in one place: required keys, references between
// sections, uniqueness, ranges, and the files the config names. The TOML reader already
// checked types and formats; a path it reported is skipped here so one mistake gives one error.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>

#include <fmt/format.h>

#include "config/loader_internal.h"

namespace stgw::config::detail {
namespace {

namespace fs = std::filesystem;

// PEM files start with "-----BEGIN" after at most some attribute lines; a key or chain larger
// than this is not a PEM file we want anyway.
constexpr std::size_t kMaxPemScanBytes = 1 << 20;
constexpr int kMaxBusyPollUs = 1000; // server.busy_poll_us
// server.max_header_bytes: 64 times the default. A head is held in memory until it is whole,
// so a larger limit only lets one client make a worker hold more.
constexpr std::size_t kMaxHeaderBytes = 1024 * 1024;

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

// "http://host..." or "https://host...", with a host and no spaces.
bool is_http_url(std::string_view url) {
  std::string_view rest;
  if (iequals_prefix(url, "https://"))
    rest = url.substr(8);
  else if (iequals_prefix(url, "http://"))
    rest = url.substr(7);
  else
    return false;
  bool has_host = !rest.empty() && rest.front() != '/' && rest.front() != ':';
  bool printable = std::all_of(url.begin(), url.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
  return has_host && printable;
}

// An HTTP token (RFC 9110): what header and cookie names are made of.
bool is_token(std::string_view text) {
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kExtra.find(c) != std::string_view::npos;
  });
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Why |path| cannot be read as a regular file, or "" when it can. Opens the file (so permission
// problems show) but reads nothing: password and secret files are never looked into.
std::string unreadable_reason(const std::string& path) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status))
    return fmt::format("file not found: {}", path);
  if (fs::is_directory(status))
    return fmt::format("is a directory, not a file: {}", path);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fmt::format("cannot read {}: {}", path, std::strerror(errno));
  ::close(fd);
  return {};
}

// A quick look for "-----BEGIN" so that a DER file or a swapped path is caught at config check;
// parsing the PEM is the network layer's job. The content is never quoted.
bool looks_like_pem(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  std::string data(kMaxPemScanBytes, '\0');
  std::size_t filled = 0;
  while (filled < data.size()) {
    ssize_t n = ::read(fd, data.data() + filled, data.size() - filled);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    filled += static_cast<std::size_t>(n);
  }
  ::close(fd);
  data.resize(filled);
  bool found = data.find("-----BEGIN") != std::string::npos;
  std::fill(data.begin(), data.end(), '\0'); // the buffer may have held a private key
  return found;
}

class Validator {
public:
  Validator(const GatewayConfig& config, const SourceMap& sources, const LoadOptions& options,
            ErrorList& errors)
      : config_(config), sources_(sources), options_(options), errors_(errors) {}

  void run() {
    check_server();
    check_budget();
    check_listeners();
    check_admin();
    check_sso();
    check_backends();
    check_routes();
    check_access_log();
    check_integration();
  }

private:
  // Reports at |path|'s position (or its table's) unless the reader already reported it.
  void fail(const std::string& path, std::string message) {
    if (errors_.touches(path))
      return;
    errors_.add(sources_.find(path), path, std::move(message));
  }

  // When |empty|: "missing required key" if the key was not written, else "must not be empty".
  void require(const std::string& path, bool empty) {
    if (!empty)
      return;
    fail(path, sources_.contains(path) ? "must not be empty" : "missing required key");
  }

  void at_least(const std::string& path, std::int64_t value, std::int64_t minimum) {
    if (value < minimum)
      fail(path,
           minimum == 0 ? "must not be negative" : fmt::format("must be at least {}", minimum));
  }

  void duration_at_least(const std::string& path, Duration value, Duration minimum) {
    if (value >= minimum)
      return;
    fail(path, minimum == Duration::zero() ? "must not be negative" : "must be longer than zero");
  }

  void check_file(const std::string& path, const std::string& file, bool pem) {
    if (file.empty())
      return require(path, true);
    if (!options_.check_files)
      return;
    if (std::string reason = unreadable_reason(file); !reason.empty())
      return fail(path, reason);
    if (pem && !looks_like_pem(file))
      fail(path, fmt::format("not a PEM file (no \"-----BEGIN\" line): {}", file));
  }

  void check_url(const std::string& path, const std::string& url) {
    if (!url.empty() && !is_http_url(url))
      fail(path, fmt::format("must be an http:// or https:// URL with a host, not {}", shown(url)));
  }

  // Remembers |value| → |path| and reports a second occurrence.
  void unique(std::map<std::string, std::string>& seen, const std::string& value,
              const std::string& path, std::string_view what) {
    auto [it, inserted] = seen.emplace(value, path);
    if (!inserted)
      fail(path, fmt::format("duplicate {} {} (also at {})", what, shown(value), it->second));
  }

  void check_server() {
    const ServerConfig& s = config_.server;
    at_least("server.workers", s.workers, 0);
    duration_at_least("server.drain_timeout", s.drain_timeout, Duration::zero());
    at_least("server.max_header_bytes", static_cast<std::int64_t>(s.max_header_bytes), 1);
    at_least("server.max_uri_bytes", static_cast<std::int64_t>(s.max_uri_bytes), 1);
    if (s.max_header_bytes > kMaxHeaderBytes)
      fail("server.max_header_bytes",
           fmt::format("must be at most {} (1 MiB): a worker holds a request head in memory "
                       "until it is complete",
                       kMaxHeaderBytes));
    if (s.max_uri_bytes > s.max_header_bytes)
      fail("server.max_uri_bytes",
           fmt::format("must not exceed server.max_header_bytes ({}): the request line is part "
                       "of the head",
                       s.max_header_bytes));
    duration_at_least("server.keepalive_timeout", s.keepalive_timeout, Duration(1));
    duration_at_least("server.header_timeout", s.header_timeout, Duration(1));
    at_least("server.busy_poll_us", s.busy_poll_us, 0);
    if (s.busy_poll_us > kMaxBusyPollUs)
      fail("server.busy_poll_us",
           fmt::format("must be at most {} (a worker would spin, not sleep, between requests "
                       "arriving further apart than that)",
                       kMaxBusyPollUs));
  }

  void check_budget() {
    const BudgetConfig& b = config_.budget;
    at_least("budget.nofile_reserve", b.nofile_reserve, 0);
    at_least("budget.max_client_connections", b.max_client_connections, 0);
    at_least("budget.max_connections_per_ip", b.max_connections_per_ip, 0);
    at_least("budget.max_connections_per_user", b.max_connections_per_user, 0);
    at_least("budget.max_parked_per_user", b.max_parked_per_user, 0);
  }

  void check_listeners() {
    if (config_.listeners.empty() && !errors_.touches("listener"))
      return fail("listener", "at least one [[listener]] is required");
    std::map<std::string, std::string> names, addresses;
    for (std::size_t i = 0; i < config_.listeners.size(); ++i) {
      const ListenerConfig& l = config_.listeners[i];
      std::string path = index_path("listener", i);
      std::string address_path = child_path(path, "address");
      std::string name_path = child_path(path, "name");
      require(address_path, !sources_.contains(address_path));
      bool address_ok = sources_.contains(address_path) && !errors_.touches(address_path);
      // Port 0 lets the kernel pick a free port, different for each listener.
      if (address_ok && l.address.port != 0)
        unique(addresses, l.address.to_string(), address_path, "listener address");
      // An unnamed listener is named after its address; without one there is nothing to check.
      if (sources_.contains(name_path) || address_ok) {
        require(name_path, l.name.empty());
        if (!l.name.empty())
          unique(names, l.name, name_path, "listener name");
      }
      check_alpn(child_path(path, "alpn"), l.alpn);
      if (l.tls)
        check_listener_tls(child_path(path, "tls"), *l.tls);
    }
  }

  void check_alpn(const std::string& path, const std::vector<std::string>& alpn) {
    if (alpn.empty())
      return fail(path, "needs at least one protocol, e.g. [\"http/1.1\"]");
    std::map<std::string, std::string> seen;
    for (std::size_t i = 0; i < alpn.size(); ++i) {
      std::string element = index_path(path, i);
      if (alpn[i] != "http/1.1" && alpn[i] != "h2")
        fail(element,
             fmt::format("unknown protocol {}: expected \"http/1.1\" or \"h2\"", shown(alpn[i])));
      else
        unique(seen, alpn[i], element, "protocol");
    }
  }

  void check_listener_tls(const std::string& path, const ListenerTlsConfig& tls) {
    if (tls.min_version != "TLSv1.2" && tls.min_version != "TLSv1.3")
      fail(child_path(path, "min_version"),
           fmt::format("unknown TLS version {}: expected \"TLSv1.2\" or \"TLSv1.3\"",
                       shown(tls.min_version)));
    bool list_form = sources_.contains(child_path(path, "certificates"));
    if (tls.certificates.empty())
      return fail(list_form ? child_path(path, "certificates") : path,
                  "needs certificate and private_key, or certificates = [ { certificate, "
                  "private_key }, ... ]");
    for (std::size_t i = 0; i < tls.certificates.size(); ++i) {
      // The one-certificate form is written tls.certificate; the list form tls.certificates[i].
      std::string at = list_form ? index_path(child_path(path, "certificates"), i) : path;
      check_file(child_path(at, "certificate"), tls.certificates[i].certificate, true);
      check_file(child_path(at, "private_key"), tls.certificates[i].private_key, true);
    }
  }

  void check_admin() {
    const auto& address = config_.admin.address;
    if (!address)
      return;
    for (std::size_t i = 0; i < config_.listeners.size(); ++i) {
      const ListenerConfig& l = config_.listeners[i];
      if (address->port != 0 && l.address.port == address->port && l.address.host == address->host)
        fail("admin.address",
             fmt::format("{} is also used by {}", address->to_string(), index_path("listener", i)));
    }
  }

  void check_sso() {
    if (!config_.sso)
      return;
    const SsoConfig& s = *config_.sso;
    if (!s.domain.empty() && (s.domain.front() != '.' || s.domain.size() < 2))
      fail("sso.domain",
           fmt::format("must start with \".\", e.g. \".example.com\" (not {})", shown(s.domain)));
    if (!is_token(s.cookie_v1))
      fail("sso.cookie_v1", "must be a valid cookie name");
    if (!is_token(s.cookie_v2))
      fail("sso.cookie_v2", "must be a valid cookie name");
    if (s.accept.empty())
      fail("sso.accept", "needs at least one of \"ltpa2\", \"ltpa1\", \"domino\"");
    std::map<std::string, std::string> formats;
    for (std::size_t i = 0; i < s.accept.size(); ++i)
      unique(formats, std::string(to_string(s.accept[i])), index_path("sso.accept", i),
             "token format");
    duration_at_least("sso.clock_skew", s.clock_skew, Duration::zero());
    if (!s.login_url.empty() && !s.login_url.starts_with('/') && !is_http_url(s.login_url))
      fail("sso.login_url", "must be an http(s):// URL or a path starting with \"/\"");
    if (!is_token(s.identity_header))
      fail("sso.identity_header", "must be a valid header name");
    for (std::size_t i = 0; i < s.keys.size(); ++i) {
      std::string path = index_path("sso.keys", i);
      check_file(child_path(path, "file"), s.keys[i].file, false);
      check_file(child_path(path, "password_file"), s.keys[i].password_file, false);
    }
    for (std::size_t i = 0; i < s.domino.size(); ++i)
      check_file(child_path(index_path("sso.domino", i), "secret_file"), s.domino[i].secret_file,
                 false);
  }

  void check_backends() {
    if (config_.backends.empty() && !errors_.touches("backend"))
      return fail("backend", "at least one [[backend]] is required");
    std::map<std::string, std::string> names;
    for (std::size_t i = 0; i < config_.backends.size(); ++i) {
      const BackendConfig& b = config_.backends[i];
      std::string path = index_path("backend", i);
      require(child_path(path, "name"), b.name.empty());
      if (!b.name.empty())
        unique(names, b.name, child_path(path, "name"), "backend name");
      check_servers(child_path(path, "servers"), b.servers);
      if (b.tls)
        check_file_if_set(child_path(child_path(path, "tls"), "ca_file"), b.tls->ca_file, true);
      check_health(child_path(path, "health_check"), b.health_check);
      duration_at_least(child_path(path, "connect_timeout"), b.connect_timeout, Duration(1));
      at_least(child_path(path, "max_connections_per_server"), b.max_connections_per_server, 0);
      at_least(child_path(path, "max_idle_per_server"), b.max_idle_per_server, 0);
      duration_at_least(child_path(path, "idle_timeout"), b.idle_timeout, Duration(1));
      duration_at_least(child_path(path, "queue_timeout"), b.queue_timeout, Duration::zero());
    }
  }

  void check_file_if_set(const std::string& path, const std::string& file, bool pem) {
    if (!file.empty())
      check_file(path, file, pem);
  }

  void check_servers(const std::string& path, const std::vector<BackendServerConfig>& servers) {
    if (servers.empty())
      return fail(path, sources_.contains(path) ? "needs at least one \"host:port\""
                                                : "missing required key");
    std::map<std::string, std::string> addresses, clone_ids;
    for (std::size_t i = 0; i < servers.size(); ++i) {
      const BackendServerConfig& server = servers[i];
      std::string element = index_path(path, i);
      // "host:port" elements are positioned at the element, tables at their address key.
      std::string address_path = sources_.contains(child_path(element, "address"))
                                     ? child_path(element, "address")
                                     : element;
      if (server.address.host.empty() || server.address.port == 0) {
        fail(address_path, "a backend server needs a host and a port from 1 to 65535");
        continue;
      }
      unique(addresses, server.address.to_string(), address_path, "server");
      if (!server.clone_id.empty())
        unique(clone_ids, server.clone_id, child_path(element, "clone_id"), "clone_id");
    }
  }

  void check_health(const std::string& path, const HealthCheckConfig& h) {
    if (!h.path.empty() && !h.path.starts_with('/'))
      fail(child_path(path, "path"), "must start with \"/\" (or be \"\" for a TCP connect check)");
    duration_at_least(child_path(path, "interval"), h.interval, Duration(1));
    duration_at_least(child_path(path, "timeout"), h.timeout, Duration(1));
  }

  // Route auth needs something to validate tokens with; a redirect needs somewhere to go.
  void check_route_auth(const std::string& path, const RouteConfig& r) {
    bool has_keys = config_.sso && (!config_.sso->keys.empty() || !config_.sso->domino.empty());
    if (errors_.touches("sso"))
      return; // a broken [sso] was reported already
    if (r.auth != AuthMode::None && !has_keys)
      fail(child_path(path, "auth"),
           fmt::format("auth = \"{}\" needs an [sso] section with at least one [[sso.keys]] or "
                       "[[sso.domino]]",
                       to_string(r.auth)));
    if (r.on_unauthenticated == UnauthenticatedAction::Redirect &&
        (!config_.sso || config_.sso->login_url.empty()))
      fail(child_path(path, "on_unauthenticated"),
           "on_unauthenticated = \"redirect\" needs sso.login_url");
  }

  // True when a backend's name could not be read: a route naming it would be a false alarm.
  bool backend_name_unsure() const {
    for (std::size_t i = 0; i < config_.backends.size(); ++i)
      if (errors_.touches(child_path(index_path("backend", i), "name")))
        return true;
    return errors_.touches("backend") && config_.backends.empty();
  }

  void check_routes() {
    if (config_.routes.empty() && !errors_.touches("route"))
      return fail("route", "at least one [[route]] is required");
    std::map<std::pair<std::string, std::string>, std::size_t> seen; // (host, prefix) → index
    for (std::size_t i = 0; i < config_.routes.size(); ++i) {
      const RouteConfig& r = config_.routes[i];
      std::string path = index_path("route", i);
      if (!r.prefix.starts_with('/'))
        fail(child_path(path, "prefix"),
             fmt::format("must start with \"/\" (not {})", shown(r.prefix)));
      if (r.host.find_first_of(":/ \t") != std::string::npos)
        fail(child_path(path, "host"), "must be a host name without port, scheme or path");
      auto [it, inserted] = seen.emplace(std::pair(lower(r.host), r.prefix), i);
      if (!inserted)
        fail(path, fmt::format("same host and prefix as {}: only one of them could ever match",
                               index_path("route", it->second)));
      require(child_path(path, "backend"), r.backend.empty());
      if (!r.backend.empty() && !config_.find_backend(r.backend) && !backend_name_unsure())
        fail(child_path(path, "backend"), fmt::format("no [[backend]] named {}", shown(r.backend)));
      check_route_auth(path, r);
      duration_at_least(child_path(path, "timeout"), r.timeout, Duration(1));
      duration_at_least(child_path(path, "idle_timeout"), r.idle_timeout, Duration(1));
    }
  }

  void check_access_log() {
    const AccessLogConfig& a = config_.access_log;
    if (a.format != "json")
      fail("access_log.format",
           fmt::format("unknown format {}: expected \"json\"", shown(a.format)));
    duration_at_least("access_log.flush_interval", a.flush_interval, Duration::zero());
  }

  void check_integration() {
    const IntegrationConfig& i = config_.integration;
    check_url("integration.public_url", i.public_url);
    check_url("integration.connections_url", i.connections_url);
    check_url("integration.portal_url", i.portal_url);
    for (std::size_t n = 0; n < i.inotes_servers.size(); ++n)
      if (i.inotes_servers[n].empty())
        fail(index_path("integration.inotes_servers", n), "must not be empty");
  }

  const GatewayConfig& config_;
  const SourceMap& sources_;
  const LoadOptions& options_;
  ErrorList& errors_;
};

} // namespace

void validate(const GatewayConfig& config, const SourceMap& sources, const LoadOptions& options,
              ErrorList& errors) {
  Validator(config, sources, options, errors).run();
}

} // namespace stgw::config::detail
