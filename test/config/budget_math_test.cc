#include "config/budget_math.h"

#include <climits>

#include <gtest/gtest.h>

namespace stgw::config {
namespace {

GatewayConfig budget_config() {
  GatewayConfig config;
  config.server.workers = 2;
  config.listeners.resize(2);
  config.admin.address = HostPort{"127.0.0.1", 9901};
  config.access_log.path = "/var/log/stgw/access.log";
  config.budget.nofile_reserve = 64;
  return config;
}

TEST(BudgetMathTest, CountsListenersPerWorkerAdminLogAndReserve) {
  const BudgetNeeds needs = budget_needs(budget_config());
  EXPECT_EQ(needs.listener_sockets, 4);
  EXPECT_EQ(needs.admin_listener, 1);
  EXPECT_EQ(needs.log_files, 1);
  EXPECT_EQ(needs.reserve, 64);
  EXPECT_EQ(needs.fixed(), 70);
}

TEST(BudgetMathTest, NeedsTwoDescriptorsPerClientPlusFixedPart) {
  EXPECT_EQ(nofile_needed(budget_config(), 1000), 2070);
  EXPECT_EQ(nofile_needed(budget_config(), 0), 70);
}

TEST(BudgetMathTest, StdoutLogAndDisabledAdminCostNothing) {
  GatewayConfig config = budget_config();
  config.access_log.path = "-";
  config.admin.address.reset();
  EXPECT_EQ(nofile_needed(config, 10), 20 + 4 + 64);
  config.access_log.path.clear();
  EXPECT_EQ(budget_needs(config).log_files, 0);
}

TEST(BudgetMathTest, WorkerArgumentOverridesConfigAndDefaultsToOne) {
  GatewayConfig config = budget_config();
  EXPECT_EQ(budget_needs(config, 8).listener_sockets, 16);
  config.server.workers = 0;
  EXPECT_EQ(budget_needs(config).listener_sockets, 2);
  EXPECT_EQ(budget_needs(config, 3).listener_sockets, 6);
}

TEST(BudgetMathTest, CapacityIsTheFlooredInverse) {
  const GatewayConfig config = budget_config();
  for (int clients : {0, 1, 2, 7, 1000, 32000}) {
    const int needed = nofile_needed(config, clients);
    EXPECT_EQ(client_capacity(config, needed), clients) << clients;
    EXPECT_EQ(client_capacity(config, needed + 1), clients) << clients;
    if (clients > 0) {
      EXPECT_EQ(client_capacity(config, needed - 1), clients - 1) << clients;
    }
  }
  EXPECT_EQ(client_capacity(config, 65535), (65535 - 70) / 2);
}

TEST(BudgetMathTest, CapacityIsZeroWhenTheLimitDoesNotCoverTheFixedPart) {
  EXPECT_EQ(client_capacity(budget_config(), 70), 0);
  EXPECT_EQ(client_capacity(budget_config(), 10), 0);
  EXPECT_EQ(client_capacity(budget_config(), -5), 0);
}

TEST(BudgetMathTest, SaturatesInsteadOfOverflowing) {
  GatewayConfig config = budget_config();
  EXPECT_EQ(nofile_needed(config, INT_MAX), INT_MAX);
  EXPECT_EQ(nofile_needed(config, -3), 70);
  EXPECT_EQ(client_capacity(config, INT_MAX), (INT_MAX - 70) / 2);
  config.budget.nofile_reserve = -10; // a bad value never lowers the need
  EXPECT_EQ(budget_needs(config).reserve, 0);
}

} // namespace
} // namespace stgw::config
