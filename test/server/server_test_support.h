#pragma once

// Helpers for the server module tests: a scratch folder, file reading, and a parser for the
// Prometheus text exposition so that tests assert on sample values rather than on substrings.

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "config/gateway_config.h"
#include "gateway/proxy/exchange_record.h"

namespace stgw::server::test {

// A fresh folder under $TMPDIR (or /tmp), removed with everything in it at destruction.
class TempDir {
public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/stgw-server-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
      ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

private:
  std::string path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

using Labels = std::map<std::string, std::string>;

struct Sample {
  std::string name;
  Labels labels;
  double value = 0;
};

// Parses the sample lines of a text exposition (comments skipped). Label values are unescaped
// (\\, \", \n). A malformed line fails the calling test.
inline std::vector<Sample> parse_exposition(const std::string& text) {
  std::vector<Sample> samples;
  for (const auto& line : lines_of(text)) {
    if (line.empty() || line[0] == '#')
      continue;
    Sample sample;
    std::size_t i = line.find_first_of("{ ");
    sample.name = line.substr(0, i);
    if (i != std::string::npos && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        std::size_t equals = line.find('=', i);
        if (equals == std::string::npos || equals + 1 >= line.size() || line[equals + 1] != '"') {
          ADD_FAILURE() << "bad labels: " << line;
          return samples;
        }
        std::string name = line.substr(i, equals - i);
        std::string value;
        std::size_t k = equals + 2;
        for (; k < line.size() && line[k] != '"'; ++k) {
          if (line[k] == '\\' && k + 1 < line.size()) {
            ++k;
            value += line[k] == 'n' ? '\n' : line[k];
          } else {
            value += line[k];
          }
        }
        sample.labels[name] = value;
        i = k + 1;
        if (i < line.size() && line[i] == ',')
          ++i;
      }
      ++i;
    }
    sample.value = std::stod(line.substr(i));
    samples.push_back(std::move(sample));
  }
  return samples;
}

// The value of the sample with exactly this name and these labels, if present.
inline std::optional<double> sample_value(const std::vector<Sample>& samples, std::string_view name,
                                          const Labels& labels = {}) {
  for (const auto& sample : samples)
    if (sample.name == name && sample.labels == labels)
      return sample.value;
  return std::nullopt;
}

// Two listeners (one TLS, one unnamed), a backend with two servers, a plain and a host route,
// [sso] and the three integration products.
inline config::GatewayConfig example_config() {
  config::GatewayConfig config;
  config::ListenerConfig https;
  https.name = "https";
  https.address = {"127.0.0.1", 8443};
  https.tls = config::ListenerTlsConfig{};
  config::ListenerConfig http;
  http.address = {"127.0.0.1", 8080}; // unnamed: the address is the label
  config.listeners = {https, http};
  config::BackendConfig stps;
  stps.name = "stps";
  stps.servers = {{{"10.0.0.5", 9080}, ""}, {{"10.0.0.6", 9080}, ""}};
  config.backends = {stps};
  config::RouteConfig api;
  api.prefix = "/stwebapi/";
  api.backend = "stps";
  config::RouteConfig hosted;
  hosted.prefix = "/";
  hosted.host = "st.example.com";
  hosted.backend = "stps";
  config.routes = {api, hosted};
  config.sso = config::SsoConfig{};
  config.integration.inotes_servers = {"mail.example.com"};
  config.integration.connections_url = "https://connections.example.com/";
  config.integration.portal_url = "https://portal.example.com/wps/portal";
  return config;
}

inline proxy::ExchangeRecord exchange(std::string_view origin = "https://mail.example.com") {
  proxy::ExchangeRecord record;
  record.start = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000000));
  record.duration = std::chrono::seconds(30);
  record.client_ip = "203.0.113.77";
  record.listener = "https";
  record.method = "GET";
  record.target = "/stwebapi/event?secret=1";
  record.referer_origin = origin;
  record.status = 200;
  record.route = "/stwebapi/";
  record.backend = "stps";
  record.server = "10.0.0.5:9080";
  record.user = "CN=Alice Confidential,O=Acme";
  record.token_format = "ltpa2";
  record.auth_result = "valid";
  record.tls_version = "TLSv1.3";
  record.parked = true;
  return record;
}

// One call of every ProxyObserver method, so that every label-carrying family has a child.
inline void one_of_each(proxy::ProxyObserver& observer) {
  observer.on_exchange_done(exchange());
  observer.on_parked("/stwebapi/", "https://mail.example.com", +1);
  observer.on_client_connection("https", +1);
  observer.on_tls_handshake("https", true);
  observer.on_backend_error("stps", "10.0.0.5:9080", proxy::BackendErrorKind::Timeout);
  observer.on_rejected("ip_cap");
  observer.on_ltpa_validation("ltpa2", "valid", true);
  observer.on_ltpa_validation("ltpa1", "invalid", false);
  observer.on_backend_connection("stps", "10.0.0.5:9080", "active", +1);
}

} // namespace stgw::server::test
