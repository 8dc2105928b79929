// The sample configuration shared by the render_* and product_files_* tests: one consistent
// integration (gateway at https://st.example.com, products under .example.com). Declared in
// each test file that uses it.

#include "config/gateway_config.h"

namespace stgw::config::testing {

GatewayConfig sample_config() {
  GatewayConfig config;
  config.source_path = "/etc/stgw/gateway.toml";
  config.server.workers = 2;
  ListenerConfig tls_listener;
  tls_listener.name = "public";
  tls_listener.address = {"0.0.0.0", 443};
  tls_listener.tls = ListenerTlsConfig{{{"/etc/stgw/st.pem", "/etc/stgw/st.key"}}};
  ListenerConfig plain_listener;
  plain_listener.name = "plain";
  plain_listener.address = {"0.0.0.0", 80};
  config.listeners = {tls_listener, plain_listener};
  SsoConfig sso;
  sso.domain = ".example.com";
  sso.keys = {{"/etc/stgw/ltpa.keys", "/etc/stgw/ltpa.pw", "defaultRealm"}};
  config.sso = sso;
  BackendConfig backend;
  backend.name = "stps";
  backend.servers = {{{"stps1.example.com", 9081}, "clone1"}, {{"stps2.example.com", 9081}, ""}};
  config.backends = {backend};
  config.budget.max_client_connections = 20000;
  config.access_log.path = "/var/log/stgw/access.log";
  config.integration.public_url = "https://st.example.com";
  config.integration.inotes_servers = {"mail.example.com"};
  config.integration.connections_url = "https://connections.example.com";
  config.integration.portal_url = "https://portal.example.com/wps/portal";
  config.integration.sametime_version = "9.0.1";
  return config;
}

} // namespace stgw::config::testing
