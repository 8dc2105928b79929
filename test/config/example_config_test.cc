// config/gateway.example.toml is the documented reference: it must always load. Its paths point
// at files under /etc/stgw that this machine lacks, so it is loaded once without file checks
// and once as a copy beside generated files, with them.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test/config/config_test_support.h"

namespace stgw::config::loader_test {
namespace {

using namespace std::chrono_literals;

TEST(ExampleConfigTest, LoadsWithoutFileChecks) {
  LoadOptions options;
  options.check_files = false;
  auto result = load_config_file(example_path(), options);
  ASSERT_TRUE(result.has_value()) << joined(error_lines(result));
  const GatewayConfig& config = **result;

  ASSERT_EQ(config.listeners.size(), 2u);
  EXPECT_EQ(config.listeners[0].address.to_string(), "0.0.0.0:443");
  ASSERT_TRUE(config.listeners[0].tls);
  EXPECT_EQ(config.listeners[0].tls->certificates.size(), 2u);
  EXPECT_EQ(config.listeners[1].address.port, 80);
  EXPECT_FALSE(config.listeners[1].tls);

  ASSERT_EQ(config.backends.size(), 1u);
  EXPECT_EQ(config.backends[0].name, "stps");
  ASSERT_EQ(config.backends[0].servers.size(), 2u);
  EXPECT_EQ(config.backends[0].servers[0].clone_id, "stps01");
  EXPECT_EQ(config.backends[0].servers[1].clone_id, "stps02");

  ASSERT_EQ(config.routes.size(), 4u);
  EXPECT_EQ(config.routes[0].prefix, "/stwebapi/");
  EXPECT_EQ(config.routes[0].auth, AuthMode::Required);
  EXPECT_EQ(config.routes[0].on_unauthenticated, UnauthenticatedAction::Reject401);
  EXPECT_EQ(config.routes[0].timeout, 90s);
  EXPECT_EQ(config.routes[1].prefix, "/stwebclient/");
  EXPECT_EQ(config.routes[1].auth, AuthMode::Optional);
  EXPECT_EQ(config.routes[1].on_unauthenticated, UnauthenticatedAction::Redirect);
  EXPECT_EQ(config.routes[2].prefix, "/stbaseapi/");
  EXPECT_EQ(config.routes[3].prefix, "/stwebav/");

  ASSERT_TRUE(config.sso);
  EXPECT_EQ(config.sso->keys.size(), 2u);
  EXPECT_EQ(config.sso->domino.size(), 1u);
  EXPECT_EQ(config.sso->domain, ".example.com");
  EXPECT_TRUE(config.admin.address);
  EXPECT_EQ(config.integration.public_url, "https://st.example.com");
  EXPECT_EQ(config.access_log.path, "/var/log/stgw/access.log");
}

TEST(ExampleConfigTest, LoadsWithFileChecksBesideItsFiles) {
  TempDir dir;
  std::string path = copy_example_with_files(dir);
  auto result = load_config_file(path);
  ASSERT_TRUE(result.has_value()) << joined(error_lines(result));
  EXPECT_EQ((*result)->listeners[0].tls->certificates[1].private_key,
            dir.path() + "/tls/sametime.example.org.key");
}

TEST(ExampleConfigTest, SectionDefaultsMatchTheStruct) {
  // The example writes most keys with their default value; loading it must give the same
  // values as a file that leaves them out.
  LoadOptions options;
  options.check_files = false;
  auto example = load_config_file(example_path(), options);
  auto minimal = load_text(kMinimal);
  ASSERT_TRUE(example && minimal);
  const GatewayConfig& e = **example;
  const GatewayConfig& m = **minimal;
  EXPECT_EQ(e.server.workers, m.server.workers);
  EXPECT_EQ(e.server.drain_timeout, m.server.drain_timeout);
  EXPECT_EQ(e.server.max_header_bytes, m.server.max_header_bytes);
  EXPECT_EQ(e.server.max_uri_bytes, m.server.max_uri_bytes);
  EXPECT_EQ(e.server.max_body_bytes, m.server.max_body_bytes);
  EXPECT_EQ(e.server.keepalive_timeout, m.server.keepalive_timeout);
  EXPECT_EQ(e.server.header_timeout, m.server.header_timeout);
  EXPECT_EQ(e.server.busy_poll_us, m.server.busy_poll_us);
  EXPECT_EQ(e.budget.nofile_reserve, m.budget.nofile_reserve);
  EXPECT_EQ(e.admin.address->to_string(), m.admin.address->to_string());
  SsoConfig defaults;
  EXPECT_EQ(e.sso->cookie_v1, defaults.cookie_v1);
  EXPECT_EQ(e.sso->cookie_v2, defaults.cookie_v2);
  EXPECT_EQ(e.sso->accept, defaults.accept);
  EXPECT_EQ(e.sso->clock_skew, defaults.clock_skew);
  EXPECT_EQ(e.sso->expiry_diff_tolerance, defaults.expiry_diff_tolerance);
  EXPECT_EQ(e.sso->cache_entries, defaults.cache_entries);
  EXPECT_EQ(e.sso->identity_header, defaults.identity_header);
  const BackendConfig& eb = e.backends[0];
  const BackendConfig& mb = m.backends[0];
  EXPECT_EQ(eb.affinity, mb.affinity);
  EXPECT_EQ(eb.connect_timeout, mb.connect_timeout);
  EXPECT_EQ(eb.max_connections_per_server, mb.max_connections_per_server);
  EXPECT_EQ(eb.max_idle_per_server, mb.max_idle_per_server);
  EXPECT_EQ(eb.idle_timeout, mb.idle_timeout);
  EXPECT_EQ(eb.queue_timeout, mb.queue_timeout);
  EXPECT_EQ(eb.health_check.interval, mb.health_check.interval);
  EXPECT_EQ(eb.health_check.timeout, mb.health_check.timeout);
  EXPECT_EQ(e.routes[0].idle_timeout, m.routes[0].idle_timeout);
  EXPECT_EQ(e.access_log.format, m.access_log.format);
  EXPECT_EQ(e.access_log.include_query, m.access_log.include_query);
  EXPECT_EQ(e.access_log.flush_interval, m.access_log.flush_interval);
  EXPECT_EQ(e.integration.sametime_version, m.integration.sametime_version);
}

} // namespace
} // namespace stgw::config::loader_test
