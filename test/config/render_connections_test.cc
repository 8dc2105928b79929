#include <gtest/gtest.h>
#include <pugixml.hpp>

#include "config/product_files_lint.h"
#include "config/render.h"

namespace stgw::config {
namespace testing {
GatewayConfig sample_config();
}
namespace {

TEST(RenderConnectionsTest, WritesAWellFormedServiceReference) {
  auto out = render(testing::sample_config(), RenderTarget::Connections, {});
  ASSERT_TRUE(out) << out.error().message;
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(out->text.c_str(), pugi::parse_default | pugi::parse_comments))
      << out->text;
  const pugi::xml_node comment = doc.first_child();
  ASSERT_EQ(comment.type(), pugi::node_comment);
  EXPECT_NE(std::string(comment.value()).find("LotusConnections-config.xml"), std::string::npos);

  const pugi::xml_node ref = doc.document_element();
  EXPECT_STREQ(ref.name(), "sloc:serviceReference");
  EXPECT_STREQ(ref.attribute("serviceName").value(), "sametimeProxy");
  EXPECT_STREQ(ref.attribute("enabled").value(), "true");
  EXPECT_STREQ(ref.attribute("ssl_enabled").value(), "true");
  EXPECT_STREQ(ref.attribute("isConnectClient").value(), "false");
  const pugi::xml_node static_node = ref.child("sloc:href").child("sloc:static");
  EXPECT_STREQ(static_node.attribute("href").value(), "http://st.example.com");
  EXPECT_STREQ(static_node.attribute("ssl_href").value(), "https://st.example.com");
  EXPECT_STREQ(ref.child("sloc:href").child("sloc:interService").attribute("href").value(),
               "https://st.example.com");
}

TEST(RenderConnectionsTest, CleartextOnlyGatewayDisablesSsl) {
  GatewayConfig config = testing::sample_config();
  config.integration.public_url = "http://st.example.com:8080";
  config.listeners.erase(config.listeners.begin());
  auto out = render(config, RenderTarget::Connections, {});
  ASSERT_TRUE(out);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(out->text.c_str()));
  EXPECT_STREQ(doc.document_element().attribute("ssl_enabled").value(), "false");
}

TEST(RenderConnectionsTest, HeaderStaysAValidCommentWhateverThePath) {
  GatewayConfig config = testing::sample_config();
  config.source_path = "/etc/stgw--old/gateway-";
  auto out = render(config, RenderTarget::Connections, {});
  ASSERT_TRUE(out);
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_string(out->text.c_str(), pugi::parse_default | pugi::parse_comments))
      << out->text;
  EXPECT_EQ(std::string(doc.first_child().value()).find("--"), std::string::npos);
}

TEST(RenderConnectionsTest, OutputPassesTheConnectionsCheck) {
  const GatewayConfig config = testing::sample_config();
  auto out = render(config, RenderTarget::Connections, {});
  ASSERT_TRUE(out);
  // The rendered element sits inside the real file's root element.
  const std::string file = "<config xmlns:sloc=\"http://www.ibm.com/service-location\">\n" +
                           out->text.substr(out->text.find("-->") + 3) + "</config>\n";
  const auto results = check_connections_config(config, file, "LotusConnections-config.xml");
  ASSERT_EQ(results.size(), 1u) << results.front().to_line();
  EXPECT_EQ(results[0].severity, Severity::Ok) << results[0].to_line();
}

} // namespace
} // namespace stgw::config
