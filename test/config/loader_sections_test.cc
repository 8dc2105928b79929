// Each section of the TOML file lands in the right field; defaults hold where nothing is written.

#include <gtest/gtest.h>

#include "test/config/config_test_support.h"

namespace stgw::config::loader_test {
namespace {

using namespace std::chrono_literals;

ConfigPtr load_ok(std::string_view text, const std::string& base_dir = "/etc/stgw") {
  auto result = load_text(text, base_dir);
  EXPECT_TRUE(result.has_value()) << joined(error_lines(result));
  return result ? *result : nullptr;
}

TEST(LoadConfigTest, MinimalFileKeepsEveryDefault) {
  ConfigPtr config = load_ok(kMinimal);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->source_path, "");
  EXPECT_EQ(config->server.workers, 0);
  EXPECT_EQ(config->server.drain_timeout, 30s);
  EXPECT_EQ(config->server.max_header_bytes, 16u * 1024);
  EXPECT_EQ(config->server.max_uri_bytes, 8u * 1024);
  EXPECT_EQ(config->server.max_body_bytes, 100ull << 20);
  EXPECT_EQ(config->server.keepalive_timeout, 75s);
  EXPECT_EQ(config->server.header_timeout, 15s);
  EXPECT_EQ(config->server.busy_poll_us, 50);
  EXPECT_EQ(config->budget.nofile_reserve, 64);
  EXPECT_EQ(config->budget.max_client_connections, 0);
  EXPECT_EQ(config->budget.max_parked_per_user, 0);
  ASSERT_EQ(config->listeners.size(), 1u);
  EXPECT_EQ(config->listeners[0].name, "127.0.0.1:8080"); // named after its address
  EXPECT_EQ(config->listeners[0].alpn, std::vector<std::string>{"http/1.1"});
  EXPECT_FALSE(config->listeners[0].tls.has_value());
  ASSERT_TRUE(config->admin.address.has_value());
  EXPECT_EQ(config->admin.address->to_string(), "127.0.0.1:9901");
  EXPECT_FALSE(config->sso.has_value());
  ASSERT_EQ(config->backends.size(), 1u);
  const BackendConfig& backend = config->backends[0];
  EXPECT_FALSE(backend.tls.has_value());
  EXPECT_EQ(backend.affinity, Affinity::JSessionId);
  EXPECT_TRUE(backend.health_check.enabled);
  EXPECT_EQ(backend.health_check.path, "/");
  EXPECT_EQ(backend.health_check.interval, 5s);
  EXPECT_EQ(backend.connect_timeout, 5s);
  EXPECT_EQ(backend.max_idle_per_server, 64);
  EXPECT_EQ(backend.idle_timeout, 60s);
  EXPECT_EQ(backend.queue_timeout, 5s);
  ASSERT_EQ(config->routes.size(), 1u);
  EXPECT_EQ(config->routes[0].auth, AuthMode::None);
  EXPECT_EQ(config->routes[0].on_unauthenticated, UnauthenticatedAction::Reject401);
  EXPECT_EQ(config->routes[0].timeout, 90s);
  EXPECT_EQ(config->routes[0].idle_timeout, 90s);
  EXPECT_EQ(config->access_log.path, "");
  EXPECT_EQ(config->access_log.format, "json");
  EXPECT_FALSE(config->access_log.include_query);
  EXPECT_EQ(config->integration.sametime_version, "9.0");
}

constexpr std::string_view kEverySection = R"(
[server]
workers = 3
drain_timeout = "45s"
max_header_bytes = 32768
max_uri_bytes = 4096
max_body_bytes = 0
keepalive_timeout = "2m"
header_timeout = "5s"

[budget]
nofile_reserve = 128
max_client_connections = 50000
max_connections_per_ip = 1000
max_connections_per_user = 20
max_parked_per_user = 4

[[listener]]
name = "https"
address = "[::]:8443"
alpn = ["h2", "http/1.1"]
tls = { certificate = "tls/st.pem", private_key = "/abs/st.key", min_version = "TLSv1.3" }

[[listener]]
name = "sni"
address = ":9443"
[listener.tls]
certificates = [
  { certificate = "a.pem", private_key = "a.key" },
  { certificate = "../b.pem", private_key = "./keys/b.key" },
]

[admin]
address = "127.0.0.1:19901"

[sso]
domain = ".example.com"
cookie_v1 = "LtpaTokenV1"
cookie_v2 = "LtpaTokenV2"
accept = ["domino", "ltpa2"]
clock_skew = "30s"
expiry_diff_tolerance = "-1s"
cache_entries = 1000
login_url = "/names.nsf?Login"
identity_header = "X-Remote-User"

[[sso.keys]]
file = "sso/ltpa.keys"
password_file = "sso/ltpa.pw"
realm = "defaultRealm"

[[sso.keys]]
file = "sso/old.keys"
password_file = "sso/old.pw"

[[sso.domino]]
secret_file = "sso/domino.secret"

[[backend]]
name = "stps"
servers = ["st1.example.com:9080", { address = "[2001:db8::2]:9080", clone_id = "c2" }]
tls = { ca_file = "ca.pem", verify = false, server_name = "stps.internal" }
affinity = "user"
health_check = { enabled = false, path = "", interval = "10s", timeout = "1s" }
connect_timeout = "3s"
max_connections_per_server = 500
max_idle_per_server = 8
idle_timeout = "30s"
queue_timeout = "0s"

[[backend]]
name = "other"
servers = [{ address = "10.0.0.5:80" }]
affinity = "none"

[[route]]
prefix = "/stwebapi/"
host = "St.Example.com"
backend = "stps"
auth = "required"
on_unauthenticated = "401"
timeout = "2m"
idle_timeout = "100s"

[[route]]
prefix = "/stwebclient/"
backend = "other"
auth = "optional"
on_unauthenticated = "redirect"

[access_log]
path = "logs/access.log"
format = "json"
include_query = true
flush_interval = "250ms"

[integration]
public_url = "https://st.example.com"
inotes_servers = ["mail1.example.com", "https://mail2.example.com"]
connections_url = "https://connections.example.com"
portal_url = "http://portal.example.com/wps/portal"
sametime_version = "9.0.1"
)";

TEST(LoadConfigTest, ReadsBusyPoll) {
  ConfigPtr config = load_ok(std::string(kMinimal) + "\n[server]\nbusy_poll_us = 0\n");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->server.busy_poll_us, 0);
}

TEST(LoadConfigTest, ReadsServerAndBudget) {
  ConfigPtr config = load_ok(kEverySection);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->server.workers, 3);
  EXPECT_EQ(config->server.drain_timeout, 45s);
  EXPECT_EQ(config->server.max_header_bytes, 32768u);
  EXPECT_EQ(config->server.max_uri_bytes, 4096u);
  EXPECT_EQ(config->server.max_body_bytes, 0u);
  EXPECT_EQ(config->server.keepalive_timeout, 120s);
  EXPECT_EQ(config->server.header_timeout, 5s);
  EXPECT_EQ(config->budget.nofile_reserve, 128);
  EXPECT_EQ(config->budget.max_client_connections, 50000);
  EXPECT_EQ(config->budget.max_connections_per_ip, 1000);
  EXPECT_EQ(config->budget.max_connections_per_user, 20);
  EXPECT_EQ(config->budget.max_parked_per_user, 4);
}

TEST(LoadConfigTest, ReadsListenersInBothTlsForms) {
  ConfigPtr config = load_ok(kEverySection);
  ASSERT_TRUE(config);
  ASSERT_EQ(config->listeners.size(), 2u);
  const ListenerConfig& https = config->listeners[0];
  EXPECT_EQ(https.name, "https");
  EXPECT_EQ(https.address.host, "::");
  EXPECT_EQ(https.address.port, 8443);
  EXPECT_EQ(https.alpn, (std::vector<std::string>{"h2", "http/1.1"}));
  ASSERT_TRUE(https.tls);
  ASSERT_EQ(https.tls->certificates.size(), 1u);
  EXPECT_EQ(https.tls->certificates[0].certificate, "/etc/stgw/tls/st.pem");
  EXPECT_EQ(https.tls->certificates[0].private_key, "/abs/st.key");
  EXPECT_EQ(https.tls->min_version, "TLSv1.3");

  const ListenerConfig& sni = config->listeners[1];
  EXPECT_EQ(sni.address.host, "");
  EXPECT_EQ(sni.address.port, 9443);
  ASSERT_TRUE(sni.tls);
  EXPECT_EQ(sni.tls->min_version, "TLSv1.2");
  ASSERT_EQ(sni.tls->certificates.size(), 2u);
  EXPECT_EQ(sni.tls->certificates[0].certificate, "/etc/stgw/a.pem");
  EXPECT_EQ(sni.tls->certificates[1].certificate, "/etc/b.pem");
  EXPECT_EQ(sni.tls->certificates[1].private_key, "/etc/stgw/keys/b.key");
}

TEST(LoadConfigTest, ReadsAdminAndSso) {
  ConfigPtr config = load_ok(kEverySection);
  ASSERT_TRUE(config);
  ASSERT_TRUE(config->admin.address);
  EXPECT_EQ(config->admin.address->port, 19901);
  ASSERT_TRUE(config->sso);
  const SsoConfig& sso = *config->sso;
  EXPECT_EQ(sso.domain, ".example.com");
  EXPECT_EQ(sso.cookie_v1, "LtpaTokenV1");
  EXPECT_EQ(sso.cookie_v2, "LtpaTokenV2");
  EXPECT_EQ(sso.accept, (std::vector<TokenFormat>{TokenFormat::Domino, TokenFormat::Ltpa2}));
  EXPECT_EQ(sso.clock_skew, 30s);
  EXPECT_EQ(sso.expiry_diff_tolerance, -1s);
  EXPECT_EQ(sso.cache_entries, 1000u);
  EXPECT_EQ(sso.login_url, "/names.nsf?Login");
  EXPECT_EQ(sso.identity_header, "X-Remote-User");
  ASSERT_EQ(sso.keys.size(), 2u);
  EXPECT_EQ(sso.keys[0].file, "/etc/stgw/sso/ltpa.keys");
  EXPECT_EQ(sso.keys[0].password_file, "/etc/stgw/sso/ltpa.pw");
  EXPECT_EQ(sso.keys[0].realm, "defaultRealm");
  EXPECT_EQ(sso.keys[1].realm, "");
  ASSERT_EQ(sso.domino.size(), 1u);
  EXPECT_EQ(sso.domino[0].secret_file, "/etc/stgw/sso/domino.secret");
}

TEST(LoadConfigTest, ReadsBackendsWithBothServerForms) {
  ConfigPtr config = load_ok(kEverySection);
  ASSERT_TRUE(config);
  ASSERT_EQ(config->backends.size(), 2u);
  const BackendConfig& stps = config->backends[0];
  EXPECT_EQ(stps.name, "stps");
  ASSERT_EQ(stps.servers.size(), 2u);
  EXPECT_EQ(stps.servers[0].address.to_string(), "st1.example.com:9080");
  EXPECT_EQ(stps.servers[0].clone_id, "");
  EXPECT_EQ(stps.servers[1].address.host, "2001:db8::2");
  EXPECT_EQ(stps.servers[1].clone_id, "c2");
  ASSERT_TRUE(stps.tls);
  EXPECT_EQ(stps.tls->ca_file, "/etc/stgw/ca.pem");
  EXPECT_FALSE(stps.tls->verify);
  EXPECT_EQ(stps.tls->server_name, "stps.internal");
  EXPECT_EQ(stps.affinity, Affinity::User);
  EXPECT_FALSE(stps.health_check.enabled);
  EXPECT_EQ(stps.health_check.path, "");
  EXPECT_EQ(stps.health_check.interval, 10s);
  EXPECT_EQ(stps.health_check.timeout, 1s);
  EXPECT_EQ(stps.connect_timeout, 3s);
  EXPECT_EQ(stps.max_connections_per_server, 500);
  EXPECT_EQ(stps.max_idle_per_server, 8);
  EXPECT_EQ(stps.idle_timeout, 30s);
  EXPECT_EQ(stps.queue_timeout, 0s);
  EXPECT_EQ(config->backends[1].affinity, Affinity::None);
  EXPECT_EQ(config->backends[1].servers[0].address.to_string(), "10.0.0.5:80");
  EXPECT_EQ(config->find_backend("other"), &config->backends[1]);
  EXPECT_EQ(config->find_backend("missing"), nullptr);
}

TEST(LoadConfigTest, ReadsRoutesAccessLogAndIntegration) {
  ConfigPtr config = load_ok(kEverySection);
  ASSERT_TRUE(config);
  ASSERT_EQ(config->routes.size(), 2u);
  const RouteConfig& api = config->routes[0];
  EXPECT_EQ(api.prefix, "/stwebapi/");
  EXPECT_EQ(api.host, "St.Example.com");
  EXPECT_EQ(api.backend, "stps");
  EXPECT_EQ(api.auth, AuthMode::Required);
  EXPECT_EQ(api.on_unauthenticated, UnauthenticatedAction::Reject401);
  EXPECT_EQ(api.timeout, 120s);
  EXPECT_EQ(api.idle_timeout, 100s);
  EXPECT_EQ(config->routes[1].auth, AuthMode::Optional);
  EXPECT_EQ(config->routes[1].on_unauthenticated, UnauthenticatedAction::Redirect);
  EXPECT_EQ(config->access_log.path, "/etc/stgw/logs/access.log");
  EXPECT_TRUE(config->access_log.include_query);
  EXPECT_EQ(config->access_log.flush_interval, 250ms);
  EXPECT_EQ(config->integration.public_url, "https://st.example.com");
  EXPECT_EQ(config->integration.inotes_servers,
            (std::vector<std::string>{"mail1.example.com", "https://mail2.example.com"}));
  EXPECT_EQ(config->integration.connections_url, "https://connections.example.com");
  EXPECT_EQ(config->integration.portal_url, "http://portal.example.com/wps/portal");
  EXPECT_EQ(config->integration.sametime_version, "9.0.1");
}

TEST(LoadConfigTest, AdminOffOrEmptyDisablesIt) {
  for (std::string_view value : {"\"off\"", "\"\""}) {
    std::string text = std::string(kMinimal) + "[admin]\naddress = " + std::string(value) + "\n";
    ConfigPtr config = load_ok(text);
    ASSERT_TRUE(config);
    EXPECT_FALSE(config->admin.address.has_value()) << value;
  }
}

TEST(LoadConfigTest, AccessLogStdoutIsNotAPath) {
  std::string text = std::string(kMinimal) + "[access_log]\npath = \"-\"\n";
  ConfigPtr config = load_ok(text);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->access_log.path, "-");
}

TEST(LoadConfigTest, RelativeBaseDirIsMadeAbsolute) {
  std::string text = std::string(kMinimal) + "[access_log]\npath = \"a.log\"\n";
  ConfigPtr config = load_ok(text, "conf");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->access_log.path,
            (std::filesystem::current_path() / "conf" / "a.log").lexically_normal().string());
}

TEST(LoadConfigTest, ResultIsSharedAndImmutable) {
  ConfigPtr config = load_ok(kMinimal);
  static_assert(std::is_same_v<ConfigPtr::element_type, const GatewayConfig>);
  EXPECT_EQ(config.use_count(), 1);
}

} // namespace
} // namespace stgw::config::loader_test
