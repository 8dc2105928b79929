// The monitoring assets under deploy/ must parse and must name only metrics that stgw exports,
// so that a renamed family breaks this test instead of a customer's dashboard.

#include <regex>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gateway/server/metrics.h"
#include "test/server/server_test_support.h"

namespace stgw::server {
namespace {

const std::string kDashboard = std::string(STGW_SOURCE_DIR) + "/deploy/grafana/stgw-dashboard.json";
const std::string kRules = std::string(STGW_SOURCE_DIR) + "/deploy/prometheus/stgw-alerts.yml";

// Every series name stgw exposes: the families from a real registry, plus the histogram series.
std::set<std::string> exported_series() {
  Metrics metrics(test::example_config());
  auto observer = metrics.make_worker_observer(nullptr, nullptr);
  test::one_of_each(*observer); // families without children are not exposed
  std::set<std::string> names;
  std::regex type_line("^# TYPE (\\S+) (\\S+)$");
  for (const auto& line : test::lines_of(metrics.serialize())) {
    std::smatch match;
    if (!std::regex_match(line, match, type_line))
      continue;
    names.insert(match[1]);
    if (match[2] == "histogram")
      for (const char* suffix : {"_bucket", "_sum", "_count"})
        names.insert(match[1].str() + suffix);
  }
  return names;
}

// Identifiers in a PromQL expression that look like stgw series or recorded series.
std::set<std::string> referenced_series(const std::string& expr) {
  std::set<std::string> names;
  std::regex identifier("[a-zA-Z_:][a-zA-Z0-9_:]*");
  for (std::sregex_iterator it(expr.begin(), expr.end(), identifier), end; it != end; ++it) {
    std::string name = it->str();
    if (name.find("stgw") != std::string::npos)
      names.insert(name);
  }
  return names;
}

std::string indent_of_line(const std::string& line) {
  return line.substr(0, line.find_first_not_of(' '));
}

// A rule of the rules file: its kind ("alert" or "record"), name and the "key: value" lines
// below it, keys without indentation.
struct Rule {
  std::string kind;
  std::string name;
  std::map<std::string, std::string> fields;
};

// A line-based reading of the rules file, enough for its simple layout (no flow collections, no
// multi-line scalars); PyYAML is not available on the build machines.
std::vector<Rule> read_rules(const std::string& text) {
  std::vector<Rule> rules;
  std::size_t rule_indent = std::string::npos;
  std::regex rule_start("^( *)- (alert|record): (\\S+)$");
  std::regex field("^ *([a-z_]+):(?: (.*))?$");
  for (const auto& line : test::lines_of(text)) {
    std::string trimmed = line.substr(std::min(line.find_first_not_of(' '), line.size()));
    if (trimmed.empty() || trimmed[0] == '#')
      continue;
    std::smatch match;
    if (std::regex_match(line, match, rule_start)) {
      rules.push_back({match[2], match[3], {}});
      rule_indent = match[1].length();
      continue;
    }
    if (rules.empty() || indent_of_line(line).size() <= rule_indent) {
      rule_indent = std::string::npos;
      continue;
    }
    if (rule_indent == std::string::npos)
      continue;
    if (std::regex_match(line, match, field))
      rules.back().fields[match[1]] = match[2];
  }
  return rules;
}

TEST(DeployAssetsTest, DashboardParsesAndUsesOnlyExportedMetrics) {
  std::string text = test::read_file(kDashboard);
  ASSERT_FALSE(text.empty()) << kDashboard;
  auto dashboard = nlohmann::json::parse(text);
  EXPECT_EQ(dashboard["uid"], "stgw-overview");
  auto exported = exported_series();
  std::set<int> ids;
  std::set<std::string> used;
  std::string all_exprs;
  ASSERT_TRUE(dashboard["panels"].is_array());
  for (const auto& panel : dashboard["panels"]) {
    ASSERT_TRUE(panel.contains("id") && panel.contains("title") && panel.contains("gridPos"));
    EXPECT_TRUE(ids.insert(panel["id"].get<int>()).second) << "duplicate panel id";
    if (panel["type"] == "row")
      continue;
    ASSERT_FALSE(panel["targets"].empty()) << panel["title"];
    for (const auto& target : panel["targets"]) {
      std::string expr = target["expr"];
      all_exprs += expr + "\n";
      for (const auto& name : referenced_series(expr)) {
        EXPECT_TRUE(exported.contains(name)) << name << " in panel " << panel["title"];
        used.insert(name);
      }
    }
  }
  for (const char* needed :
       {"stgw_requests_total", "stgw_request_duration_seconds_bucket", "stgw_parked_requests",
        "stgw_budget_in_use", "stgw_budget_capacity", "stgw_backend_errors_total",
        "stgw_ltpa_validations_total", "stgw_tls_handshakes_total"})
    EXPECT_TRUE(used.contains(needed)) << needed;
  EXPECT_NE(all_exprs.find("histogram_quantile(0.5,"), std::string::npos);
  EXPECT_NE(all_exprs.find("histogram_quantile(0.99,"), std::string::npos);
  EXPECT_NE(all_exprs.find("sum by (route, product) (rate(stgw_requests_total"), std::string::npos);
  EXPECT_NE(all_exprs.find("sum by (route, product) (stgw_parked_requests"), std::string::npos);
  bool has_datasource_variable = false;
  for (const auto& variable : dashboard["templating"]["list"])
    has_datasource_variable |= variable["type"] == "datasource";
  EXPECT_TRUE(has_datasource_variable) << "importable without editing a data source uid";
}

TEST(DeployAssetsTest, RulesFileIsSimpleYamlWithTheExpectedAlerts) {
  std::string text = test::read_file(kRules);
  ASSERT_FALSE(text.empty()) << kRules;
  EXPECT_EQ(text.find('\t'), std::string::npos) << "YAML forbids tabs in indentation";
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_TRUE(text.starts_with("#") || text.starts_with("groups:"));
  EXPECT_NE(text.find("\ngroups:\n"), std::string::npos);
  for (const auto& line : test::lines_of(text))
    EXPECT_EQ(indent_of_line(line).size() % 2, 0u) << "odd indentation: " << line;

  auto rules = read_rules(text);
  std::set<std::string> alerts, records;
  for (const auto& rule : rules)
    (rule.kind == "alert" ? alerts : records).insert(rule.name);
  EXPECT_EQ(alerts, (std::set<std::string>{"StgwBudgetAbove80Percent", "StgwBudgetExhausted",
                                           "StgwBackendErrorsRising", "StgwLtpaInvalidRateHigh",
                                           "StgwParkedPollsNearCap", "StgwParkedCapRejections",
                                           "StgwConfigReloadFailed"}));

  auto exported = exported_series();
  for (const auto& rule : rules) {
    ASSERT_TRUE(rule.fields.contains("expr")) << rule.name;
    const std::string& expr = rule.fields.at("expr");
    EXPECT_FALSE(expr.empty()) << rule.name;
    // An unquoted plain scalar must not contain ": " or " #", which YAML would read differently.
    EXPECT_EQ(expr.find(": "), std::string::npos) << rule.name;
    EXPECT_EQ(expr.find(" #"), std::string::npos) << rule.name;
    for (const auto& name : referenced_series(expr))
      EXPECT_TRUE(exported.contains(name) || records.contains(name)) << name << " in " << rule.name;
    if (rule.kind != "alert")
      continue;
    EXPECT_TRUE(rule.fields.contains("severity")) << rule.name;
    ASSERT_TRUE(rule.fields.contains("summary")) << rule.name;
    EXPECT_TRUE(rule.fields.at("summary").starts_with("\"")) << "templates must be quoted";
  }
  // The 80 % budget alert really says 80 %.
  for (const auto& rule : rules) {
    if (rule.name == "StgwBudgetAbove80Percent") {
      EXPECT_NE(rule.fields.at("expr").find("> 0.8"), std::string::npos);
    }
  }
}

} // namespace
} // namespace stgw::server
