// The connections target: built with pugixml so that the output is well-formed by construction
// (attribute values escaped, comment text made legal).

#include <sstream>
#include <string>
#include <vector>

#include <pugixml.hpp>

#include "config/render_url.h"

namespace stgw::config {

namespace {

// "--" may not appear inside an XML comment, and a comment may not end in "-".
std::string comment_safe(std::string text) {
  for (std::size_t pos = text.find("--"); pos != std::string::npos; pos = text.find("--", pos))
    text.replace(pos, 2, "- -");
  if (!text.empty() && text.back() == '-')
    text += ' ';
  return text;
}

} // namespace

// Declared in render.cc, which dispatches the targets.
std::string render_connections_xml(const GatewayEndpoints& endpoints,
                                   const std::vector<std::string>& header) {
  pugi::xml_document doc;
  std::string comment = "\n";
  for (const std::string& line : header)
    comment += "  " + line + "\n";
  doc.append_child(pugi::node_comment).set_value(comment_safe(comment).c_str());

  // The element as the Connections admin guide shows it; the sloc prefix is declared by the
  // root <config> element of LotusConnections-config.xml that this is pasted into.
  pugi::xml_node ref = doc.append_child("sloc:serviceReference");
  ref.append_attribute("bootstrapHost") = "";
  ref.append_attribute("bootstrapPort") = "";
  ref.append_attribute("clusterName") = "";
  ref.append_attribute("enabled") = "true";
  ref.append_attribute("serviceName") = "sametimeProxy";
  ref.append_attribute("ssl_enabled") = endpoints.https ? "true" : "false";
  ref.append_attribute("isConnectClient") = "false";
  pugi::xml_node href = ref.append_child("sloc:href");
  href.append_child("sloc:hrefPathPrefix");
  const Url& http_url = endpoints.http ? *endpoints.http : *endpoints.https;
  const Url& https_url = endpoints.https ? *endpoints.https : *endpoints.http;
  pugi::xml_node static_node = href.append_child("sloc:static");
  static_node.append_attribute("href") = http_url.to_string().c_str();
  static_node.append_attribute("ssl_href") = https_url.to_string().c_str();
  href.append_child("sloc:interService").append_attribute("href") =
      endpoints.public_url.to_string().c_str();

  std::ostringstream out;
  doc.save(out, "  ", pugi::format_indent | pugi::format_no_declaration);
  return out.str();
}

} // namespace stgw::config
