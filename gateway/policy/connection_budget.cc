#include "gateway/policy/connection_budget.h"

#include <sys/resource.h>

#include <fmt/format.h>

#include "config/budget_math.h"

namespace stgw::policy {

NofileLimits raise_nofile_limit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
      limit = raised;
  }
  auto clamp = [](rlim_t value) {
    return value == RLIM_INFINITY ? 1L << 30 : static_cast<long>(value);
  };
  return {clamp(limit.rlim_cur), clamp(limit.rlim_max)};
}

std::expected<BudgetPlan, std::string> plan_budget(const config::GatewayConfig& config,
                                                   long nofile_limit, int workers) {
  int limit = static_cast<int>(std::min<long>(nofile_limit, 1L << 30));
  BudgetPlan plan;
  plan.capacity = config::client_capacity(config, limit, workers);
  int wanted = config.budget.max_client_connections;
  if (wanted == 0) {
    plan.max_client_connections = plan.capacity;
    return plan;
  }
  if (wanted > plan.capacity) {
    int needed = config::nofile_needed(config, wanted, workers);
    return std::unexpected(fmt::format(
        "budget.max_client_connections = {} needs {} file descriptors (2 per proxied client plus "
        "listeners, logs and nofile_reserve), but the limit is {}, which holds {} clients. Raise "
        "it in /etc/security/limits.conf:\n  <user> soft nofile {}\n  <user> hard nofile {}\n"
        "(or LimitNOFILE={} in the systemd unit), or lower max_client_connections.",
        wanted, needed, limit, plan.capacity, needed, needed, needed));
  }
  plan.max_client_connections = wanted;
  return plan;
}

ShardedCounter::Shard& ShardedCounter::shard_for(std::string_view key) const {
  return shards_[std::hash<std::string_view>{}(key) % kShards];
}

bool ShardedCounter::try_add(std::string_view key, int cap) {
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto [it, inserted] = shard.counts.try_emplace(std::string(key), 0);
  if (it->second >= cap)
    return false;
  ++it->second;
  return true;
}

void ShardedCounter::remove(std::string_view key) {
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.counts.find(std::string(key));
  if (it == shard.counts.end())
    return;
  if (--it->second <= 0)
    shard.counts.erase(it);
}

int ShardedCounter::get(std::string_view key) const {
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.counts.find(std::string(key));
  return it == shard.counts.end() ? 0 : it->second;
}

std::string_view to_string(Rejection rejection) {
  switch (rejection) {
    case Rejection::GlobalCap:
      return "global_cap";
    case Rejection::AddressCap:
      return "ip_cap";
    case Rejection::UserCap:
      return "user_cap";
    case Rejection::ParkedCap:
      return "parked_cap";
  }
  return "unknown";
}

ConnectionBudget::ClientSlot::~ClientSlot() {
  budget_.release_client(address_);
}

ConnectionBudget::UserSlot::~UserSlot() {
  counter_.remove(user_);
}

ConnectionBudget::ConnectionBudget(BudgetPlan plan, const config::BudgetConfig& caps)
    : plan_(plan), per_ip_cap_(caps.max_connections_per_ip),
      per_user_cap_(caps.max_connections_per_user), parked_cap_(caps.max_parked_per_user) {}

void ConnectionBudget::update_caps(const config::BudgetConfig& caps) {
  per_ip_cap_.store(caps.max_connections_per_ip, std::memory_order_relaxed);
  per_user_cap_.store(caps.max_connections_per_user, std::memory_order_relaxed);
  parked_cap_.store(caps.max_parked_per_user, std::memory_order_relaxed);
}

std::expected<std::unique_ptr<ConnectionBudget::ClientSlot>, Rejection>
ConnectionBudget::admit_client(std::string_view address) {
  int now = in_use_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (now > plan_.max_client_connections) {
    in_use_.fetch_sub(1, std::memory_order_relaxed);
    return std::unexpected(Rejection::GlobalCap);
  }
  int ip_cap = per_ip_cap_.load(std::memory_order_relaxed);
  std::string key;
  if (ip_cap > 0) {
    if (!per_ip_.try_add(address, ip_cap)) {
      in_use_.fetch_sub(1, std::memory_order_relaxed);
      return std::unexpected(Rejection::AddressCap);
    }
    key = address;
  }
  if (now == plan_.max_client_connections && pause_handler_)
    pause_handler_(true);
  return std::make_unique<ClientSlot>(*this, std::move(key));
}

void ConnectionBudget::release_client(const std::string& address) {
  if (!address.empty())
    per_ip_.remove(address);
  int before = in_use_.fetch_sub(1, std::memory_order_relaxed);
  if (before == plan_.max_client_connections && pause_handler_)
    pause_handler_(false);
}

std::expected<std::unique_ptr<ConnectionBudget::UserSlot>, Rejection>
ConnectionBudget::admit_user(std::string_view user) {
  int cap = per_user_cap_.load(std::memory_order_relaxed);
  if (cap <= 0)
    return nullptr;
  if (!per_user_.try_add(user, cap))
    return std::unexpected(Rejection::UserCap);
  return std::make_unique<UserSlot>(per_user_, std::string(user));
}

std::expected<std::unique_ptr<ConnectionBudget::UserSlot>, Rejection>
ConnectionBudget::admit_parked(std::string_view user) {
  int cap = parked_cap_.load(std::memory_order_relaxed);
  if (cap <= 0 || user.empty())
    return nullptr;
  if (!parked_.try_add(user, cap))
    return std::unexpected(Rejection::ParkedCap);
  return std::make_unique<UserSlot>(parked_, std::string(user));
}

} // namespace stgw::policy
