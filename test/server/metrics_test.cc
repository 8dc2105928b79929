#include "gateway/server/metrics.h"

#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gateway/server/access_log.h"
#include "test/server/allocation_counter.h"
#include "test/server/server_test_support.h"

namespace stgw::server {
namespace {

using namespace std::chrono_literals;
using test::example_config;
using test::exchange;
using test::Labels;
using test::one_of_each;
using test::parse_exposition;
using test::sample_value;

const std::vector<std::string> kFamilies = {"stgw_requests_total",
                                            "stgw_request_duration_seconds",
                                            "stgw_client_connections",
                                            "stgw_client_connections_rejected_total",
                                            "stgw_parked_requests",
                                            "stgw_backend_connections",
                                            "stgw_backend_errors_total",
                                            "stgw_ltpa_validations_total",
                                            "stgw_ltpa_cache_hits_total",
                                            "stgw_ltpa_cache_misses_total",
                                            "stgw_tls_handshakes_total",
                                            "stgw_budget_capacity",
                                            "stgw_budget_in_use",
                                            "stgw_config_reloads_total",
                                            "stgw_build_info"};

TEST(MetricsTest, EveryFamilyIsExposedWithTypeAndSamples) {
  Metrics metrics(example_config());
  auto observer = metrics.make_worker_observer(nullptr, nullptr);
  one_of_each(*observer);
  std::string text = metrics.serialize();
  auto samples = parse_exposition(text);
  for (const auto& family : kFamilies) {
    EXPECT_NE(text.find("# TYPE " + family + " "), std::string::npos) << family;
    bool has_sample = false;
    for (const auto& sample : samples)
      has_sample |= sample.name == family || sample.name == family + "_count";
    EXPECT_TRUE(has_sample) << family;
  }
  EXPECT_NE(text.find("# TYPE stgw_request_duration_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("# TYPE stgw_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("# TYPE stgw_parked_requests gauge"), std::string::npos);
}

TEST(MetricsTest, CountersAndGaugesMoveWithEvents) {
  Metrics metrics(example_config());
  auto observer = metrics.make_worker_observer(nullptr, nullptr);
  one_of_each(*observer);
  observer->on_exchange_done(exchange());
  observer->on_exchange_done(exchange("https://connections.example.com"));
  auto record = exchange("");
  record.status = 0;
  record.route = "";
  observer->on_exchange_done(record);
  observer->on_client_connection("https", +1);
  observer->on_client_connection("https", -1);
  observer->on_backend_connection("stps", "10.0.0.5:9080", "active", -1);
  observer->on_backend_connection("stps", "10.0.0.5:9080", "idle", +1);

  auto s = parse_exposition(metrics.serialize());
  Labels api_inotes{{"route", "/stwebapi/"}, {"code", "200"}, {"product", "inotes"}};
  EXPECT_EQ(sample_value(s, "stgw_requests_total", api_inotes), 2);
  EXPECT_EQ(sample_value(s, "stgw_requests_total",
                         {{"route", "/stwebapi/"}, {"code", "200"}, {"product", "connections"}}),
            1);
  EXPECT_EQ(sample_value(s, "stgw_requests_total",
                         {{"route", "none"}, {"code", "0"}, {"product", "other"}}),
            1);
  EXPECT_EQ(sample_value(s, "stgw_client_connections", {{"listener", "https"}}), 1);
  EXPECT_EQ(sample_value(s, "stgw_backend_connections",
                         {{"backend", "stps"}, {"server", "10.0.0.5:9080"}, {"state", "active"}}),
            0);
  EXPECT_EQ(sample_value(s, "stgw_backend_connections",
                         {{"backend", "stps"}, {"server", "10.0.0.5:9080"}, {"state", "idle"}}),
            1);
  EXPECT_EQ(sample_value(s, "stgw_backend_errors_total",
                         {{"backend", "stps"}, {"server", "10.0.0.5:9080"}, {"kind", "timeout"}}),
            1);
  EXPECT_EQ(sample_value(s, "stgw_client_connections_rejected_total", {{"reason", "ip_cap"}}), 1);
  EXPECT_EQ(sample_value(s, "stgw_tls_handshakes_total", {{"listener", "https"}, {"result", "ok"}}),
            1);
  EXPECT_EQ(
      sample_value(s, "stgw_ltpa_validations_total", {{"format", "ltpa2"}, {"result", "valid"}}),
      1);
  EXPECT_EQ(
      sample_value(s, "stgw_ltpa_validations_total", {{"format", "ltpa1"}, {"result", "invalid"}}),
      1);
  EXPECT_EQ(sample_value(s, "stgw_ltpa_cache_hits_total"), 1);
  EXPECT_EQ(sample_value(s, "stgw_ltpa_cache_misses_total"), 1);
  EXPECT_EQ(
      sample_value(s, "stgw_parked_requests", {{"route", "/stwebapi/"}, {"product", "inotes"}}), 1);
}

TEST(MetricsTest, DurationHistogramSeparatesLongPollsFromFastRequests) {
  Metrics metrics(example_config());
  auto observer = metrics.make_worker_observer(nullptr, nullptr);
  observer->on_exchange_done(exchange()); // 30 s
  auto fast = exchange();
  fast.duration = 800us;
  observer->on_exchange_done(fast);
  auto s = parse_exposition(metrics.serialize());
  auto bucket = [&](const char* le) {
    return sample_value(s, "stgw_request_duration_seconds_bucket",
                        {{"route", "/stwebapi/"}, {"le", le}});
  };
  EXPECT_EQ(bucket("0.001"), 1);
  EXPECT_EQ(bucket("25"), 1);
  EXPECT_EQ(bucket("30"), 2);
  EXPECT_EQ(bucket("120"), 2);
  EXPECT_EQ(bucket("+Inf"), 2);
  EXPECT_EQ(sample_value(s, "stgw_request_duration_seconds_count", {{"route", "/stwebapi/"}}), 2);
  auto sum = sample_value(s, "stgw_request_duration_seconds_sum", {{"route", "/stwebapi/"}});
  ASSERT_TRUE(sum.has_value());
  EXPECT_NEAR(*sum, 30.0008, 1e-9);
  const auto& buckets = request_duration_buckets();
  EXPECT_EQ(buckets.front(), 0.001);
  EXPECT_EQ(buckets.back(), 120);
  EXPECT_TRUE(std::is_sorted(buckets.begin(), buckets.end()));
}

TEST(MetricsTest, LabelsNeverCarryClientAddressesUsersOrPaths) {
  Metrics metrics(example_config());
  auto observer = metrics.make_worker_observer(nullptr, nullptr);
  one_of_each(*observer);
  auto record = exchange("https://attacker-chosen-origin.test");
  record.route = "";
  observer->on_exchange_done(record);
  observer->on_parked("", "https://another-attacker-origin.test/x", +1);
  std::string text = metrics.serialize();
  for (const char* leaked :
       {"203.0.113.77", "Alice", "Confidential", "secret", "stwebapi/event", "attacker", "TLSv1.3"})
    EXPECT_EQ(text.find(leaked), std::string::npos) << leaked;
  for (const auto& sample : parse_exposition(text)) {
    auto product = sample.labels.find("product");
    if (product == sample.labels.end())
      continue;
    EXPECT_TRUE(product->second == "inotes" || product->second == "connections" ||
                product->second == "portal" || product->second == "other")
        << product->second;
  }
}

TEST(MetricsTest, KnownLabelSetsStartAtZero) {
  Metrics metrics(example_config());
  auto s = parse_exposition(metrics.serialize());
  EXPECT_EQ(sample_value(s, "stgw_build_info", {{"version", STGW_VERSION}}), 1);
  EXPECT_EQ(sample_value(s, "stgw_config_reloads_total", {{"result", "ok"}}), 0);
  EXPECT_EQ(sample_value(s, "stgw_config_reloads_total", {{"result", "error"}}), 0);
  EXPECT_EQ(sample_value(s, "stgw_client_connections", {{"listener", "https"}}), 0);
  EXPECT_EQ(sample_value(s, "stgw_client_connections", {{"listener", "127.0.0.1:8080"}}), 0);
  EXPECT_EQ(
      sample_value(s, "stgw_tls_handshakes_total", {{"listener", "https"}, {"result", "error"}}),
      0);
  EXPECT_FALSE(sample_value(s, "stgw_tls_handshakes_total",
                            {{"listener", "127.0.0.1:8080"}, {"result", "ok"}}))
      << "a cleartext listener has no handshakes";
  EXPECT_EQ(sample_value(s, "stgw_backend_errors_total",
                         {{"backend", "stps"}, {"server", "10.0.0.6:9080"}, {"kind", "connect"}}),
            0);
  EXPECT_EQ(sample_value(s, "stgw_parked_requests",
                         {{"route", "st.example.com/"}, {"product", "portal"}}),
            0);
  EXPECT_EQ(sample_value(s, "stgw_client_connections_rejected_total", {{"reason", "global_cap"}}),
            0);
  EXPECT_EQ(
      sample_value(s, "stgw_ltpa_validations_total", {{"format", "domino"}, {"result", "expired"}}),
      0);
  EXPECT_EQ(sample_value(s, "stgw_ltpa_cache_hits_total"), 0);
}

TEST(MetricsTest, ScrapeHookSetsTheBudgetAndReloadsAreCounted) {
  Metrics metrics(example_config());
  int scrapes = 0;
  metrics.set_scrape_hook([&scrapes](Metrics& m) { m.set_budget(65000, 10 + ++scrapes); });
  metrics.count_reload(true);
  metrics.count_reload(false);
  metrics.count_reload(false);
  auto s = parse_exposition(metrics.serialize());
  EXPECT_EQ(sample_value(s, "stgw_budget_capacity"), 65000);
  EXPECT_EQ(sample_value(s, "stgw_budget_in_use"), 11);
  EXPECT_EQ(sample_value(s, "stgw_config_reloads_total", {{"result", "ok"}}), 1);
  EXPECT_EQ(sample_value(s, "stgw_config_reloads_total", {{"result", "error"}}), 2);
  s = parse_exposition(metrics.serialize());
  EXPECT_EQ(sample_value(s, "stgw_budget_in_use"), 12);
}

TEST(MetricsTest, ReloadChangesTheProductButParkedPollsLeaveTheirOwnGauge) {
  auto config = example_config();
  Metrics metrics(config);
  auto observer = metrics.make_worker_observer(nullptr, nullptr);
  observer->on_parked("/stwebapi/", "https://mail.example.com", +1);
  observer->on_parked("/stwebapi/", "https://mail.example.com", +1);

  config.integration.inotes_servers.clear();
  config.integration.portal_url = "https://mail.example.com/wps/portal";
  metrics.update_config(config);
  observer->on_parked("/stwebapi/", "https://mail.example.com", +1); // now counts as portal
  observer->on_parked("/stwebapi/", "https://mail.example.com", -1);
  observer->on_parked("/stwebapi/", "https://mail.example.com", -1);

  auto s = parse_exposition(metrics.serialize());
  Labels inotes{{"route", "/stwebapi/"}, {"product", "inotes"}};
  Labels portal{{"route", "/stwebapi/"}, {"product", "portal"}};
  EXPECT_EQ(sample_value(s, "stgw_parked_requests", inotes), 0);
  EXPECT_EQ(sample_value(s, "stgw_parked_requests", portal), 1);
  observer->on_parked("/stwebapi/", "https://mail.example.com", -1);
  observer->on_exchange_done(exchange("https://mail.example.com"));
  s = parse_exposition(metrics.serialize());
  EXPECT_EQ(sample_value(s, "stgw_parked_requests", inotes), 0);
  EXPECT_EQ(sample_value(s, "stgw_parked_requests", portal), 0);
  EXPECT_EQ(sample_value(s, "stgw_requests_total",
                         {{"route", "/stwebapi/"}, {"code", "200"}, {"product", "portal"}}),
            1);
}

TEST(MetricsTest, ReloadAddsLabelSetsOfNewBackends) {
  auto config = example_config();
  Metrics metrics(config);
  config::BackendConfig extra;
  extra.name = "stps2";
  extra.servers = {{{"10.0.1.1", 9443}, ""}};
  config.backends.push_back(extra);
  metrics.update_config(config);
  auto s = parse_exposition(metrics.serialize());
  EXPECT_EQ(sample_value(s, "stgw_backend_errors_total",
                         {{"backend", "stps2"}, {"server", "10.0.1.1:9443"}, {"kind", "tls"}}),
            0);
}

TEST(MetricsTest, WorkersCountConcurrentlyWithoutLosingUpdates) {
  Metrics metrics(example_config());
  constexpr int kPerWorker = 20000;
  std::vector<std::thread> workers;
  for (int w = 0; w < 2; ++w)
    workers.emplace_back([&metrics] {
      auto observer = metrics.make_worker_observer(nullptr, nullptr);
      for (int i = 0; i < kPerWorker; ++i) {
        observer->on_exchange_done(exchange());
        observer->on_client_connection("https", +1);
        observer->on_client_connection("https", -1);
        observer->on_rejected("user_cap");
      }
    });
  std::string during = metrics.serialize(); // scrapes race with the workers on purpose
  for (auto& worker : workers)
    worker.join();
  EXPECT_FALSE(during.empty());
  auto s = parse_exposition(metrics.serialize());
  EXPECT_EQ(sample_value(s, "stgw_requests_total",
                         {{"route", "/stwebapi/"}, {"code", "200"}, {"product", "inotes"}}),
            2 * kPerWorker);
  EXPECT_EQ(sample_value(s, "stgw_client_connections_rejected_total", {{"reason", "user_cap"}}),
            2 * kPerWorker);
  EXPECT_EQ(sample_value(s, "stgw_client_connections", {{"listener", "https"}}), 0);
}

// The observer remembers recent label look-ups; whichever order labels come in, and however a
// caller reuses its buffers, every series gets exactly its own updates.
TEST(MetricsTest, RepeatedAndInterleavedLabelsUpdateTheirOwnSeries) {
  Metrics metrics(example_config());
  auto observer = metrics.make_worker_observer(nullptr, nullptr);
  // More (server, state) pairs than the observer remembers, so that entries are replaced.
  const std::vector<std::string> servers = {"10.0.0.5:9080", "10.0.0.6:9080", "10.0.0.7:9080",
                                            "10.0.0.8:9080", "10.0.0.9:9080", "10.0.0.10:9080"};
  constexpr int kRounds = 50;
  for (int round = 0; round < kRounds; ++round) {
    for (std::size_t i = 0; i < servers.size(); ++i) {
      observer->on_backend_connection("stps", servers[i], "active", static_cast<int>(i) + 1);
      observer->on_backend_connection("stps", servers[i], "idle", 1);
    }
    for (int status : {200, 200, 204, 404, 200})
      observer->on_exchange_done([&] {
        auto record = exchange();
        record.status = status;
        return record;
      }());
    observer->on_rejected("ip_cap");
    observer->on_rejected("global_cap");
    observer->on_rejected("ip_cap");
  }
  // The same buffer with other contents is another series: labels are compared by content.
  std::string server = "10.0.0.5:9080";
  observer->on_backend_connection("stps", server, "active", 1000);
  server[7] = '6';
  observer->on_backend_connection("stps", server, "active", 2000);
  // Tuples whose joined bytes agree are still different series.
  observer->on_backend_connection("a", "bc", "idle", 1);
  observer->on_backend_connection("ab", "c", "idle", 2);
  // An origin too long to be remembered is still counted on its own gauge.
  std::string long_origin = "https://" + std::string(300, 'x') + ".example.com";
  observer->on_parked("/stwebapi/", long_origin, +1);
  observer->on_parked("/stwebapi/", long_origin, +1);
  observer->on_parked("/stwebapi/", long_origin, -1);
  observer->on_parked("/stwebapi/", "https://mail.example.com", +1);

  auto s = parse_exposition(metrics.serialize());
  auto backend = [&](const std::string& name, const std::string& server, const std::string& state) {
    return sample_value(s, "stgw_backend_connections",
                        {{"backend", name}, {"server", server}, {"state", state}});
  };
  for (std::size_t i = 0; i < servers.size(); ++i) {
    double extra = i == 0 ? 1000 : i == 1 ? 2000 : 0;
    EXPECT_EQ(backend("stps", servers[i], "active"), kRounds * (static_cast<int>(i) + 1) + extra)
        << servers[i];
    EXPECT_EQ(backend("stps", servers[i], "idle"), kRounds) << servers[i];
  }
  EXPECT_EQ(backend("a", "bc", "idle"), 1);
  EXPECT_EQ(backend("ab", "c", "idle"), 2);
  EXPECT_EQ(
      sample_value(s, "stgw_parked_requests", {{"route", "/stwebapi/"}, {"product", "other"}}), 1);
  EXPECT_EQ(
      sample_value(s, "stgw_parked_requests", {{"route", "/stwebapi/"}, {"product", "inotes"}}), 1);
  auto requests = [&](const std::string& code) {
    return sample_value(s, "stgw_requests_total",
                        {{"route", "/stwebapi/"}, {"code", code}, {"product", "inotes"}});
  };
  EXPECT_EQ(requests("200"), 3 * kRounds);
  EXPECT_EQ(requests("204"), kRounds);
  EXPECT_EQ(requests("404"), kRounds);
  EXPECT_EQ(sample_value(s, "stgw_request_duration_seconds_count", {{"route", "/stwebapi/"}}),
            5 * kRounds);
  EXPECT_EQ(sample_value(s, "stgw_client_connections_rejected_total", {{"reason", "ip_cap"}}),
            2 * kRounds);
  EXPECT_EQ(sample_value(s, "stgw_client_connections_rejected_total", {{"reason", "global_cap"}}),
            kRounds);
}

// One request's worth of observer calls, as the proxy makes them for a parked long poll.
void one_request(proxy::ProxyObserver& observer, const proxy::ExchangeRecord& record) {
  observer.on_client_connection("https", +1);
  observer.on_ltpa_validation("ltpa2", "valid", true);
  observer.on_backend_connection("stps", "10.0.0.5:9080", "idle", -1);
  observer.on_backend_connection("stps", "10.0.0.5:9080", "active", +1);
  observer.on_parked("/stwebapi/", "https://mail.example.com", +1);
  observer.on_parked("/stwebapi/", "https://mail.example.com", -1);
  observer.on_backend_connection("stps", "10.0.0.5:9080", "active", -1);
  observer.on_backend_connection("stps", "10.0.0.5:9080", "idle", +1);
  observer.on_exchange_done(record);
  observer.on_client_connection("https", -1);
}

TEST(MetricsTest, RequestsWithKnownLabelsAllocateNothing) {
  Metrics metrics(example_config());
  auto observer = metrics.make_worker_observer(nullptr, nullptr);
  auto record = exchange();
  one_request(*observer, record); // warm: children looked up, parked node made
  std::size_t allocations = 0;
  {
    test::CountAllocations counter;
    for (int i = 0; i < 1000; ++i)
      one_request(*observer, record);
    allocations = counter.count();
  }
  EXPECT_EQ(allocations, 0u);
  auto s = parse_exposition(metrics.serialize());
  EXPECT_EQ(sample_value(s, "stgw_requests_total",
                         {{"route", "/stwebapi/"}, {"code", "200"}, {"product", "inotes"}}),
            1001);
  EXPECT_EQ(
      sample_value(s, "stgw_parked_requests", {{"route", "/stwebapi/"}, {"product", "inotes"}}), 0);
  EXPECT_EQ(sample_value(s, "stgw_backend_connections",
                         {{"backend", "stps"}, {"server", "10.0.0.5:9080"}, {"state", "idle"}}),
            0);
}

TEST(MetricsTest, ObserverWritesAccessLogLines) {
  test::TempDir dir;
  config::AccessLogConfig log_config;
  log_config.path = dir.file("access.log");
  auto log = AccessLog::open(log_config);
  ASSERT_TRUE(log.has_value());
  Metrics metrics(example_config());
  {
    auto observer = metrics.make_worker_observer(nullptr, log->get());
    observer->on_exchange_done(exchange());
    observer->on_parked("/stwebapi/", "", +1); // not an exchange: no line
    observer->on_parked("/stwebapi/", "", -1);
  }
  auto lines = test::lines_of(test::read_file(log_config.path));
  ASSERT_EQ(lines.size(), 1u);
  auto j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j["user"], "CN=Alice Confidential,O=Acme");
  EXPECT_EQ(j["path"], "/stwebapi/event");
}

} // namespace
} // namespace stgw::server
