#pragma once

// Connection budgets (DESIGN "Budgets"): a global cap on client connections derived from
// RLIMIT_NOFILE, a cap per client address, and caps per LTPA user on connections and parked
// polls. Shared by all workers. The global count is one atomic; per-address and per-user
// counts live in sharded maps and are touched only when their cap is configured (non-zero),
// so the default data path takes no lock at all.

#include <atomic>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/gateway_config.h"

namespace stgw::policy {

struct NofileLimits {
  long soft = 0;
  long hard = 0;
};

// Reads RLIMIT_NOFILE and raises the soft limit to the hard one; returns the limits after.
NofileLimits raise_nofile_limit();

struct BudgetPlan {
  int capacity = 0;               // client connections the descriptor limit allows
  int max_client_connections = 0; // the enforced cap (configured, or the capacity)
};

// Derives the plan from the limit; an error message naming the numbers and the limits.conf
// lines when the configured cap does not fit.
std::expected<BudgetPlan, std::string> plan_budget(const config::GatewayConfig& config,
                                                   long nofile_limit, int workers);

// Counts that several workers share, keyed by a string (address or user).
class ShardedCounter {
public:
  // Adds one when the count is below |cap|; false (and nothing changed) otherwise.
  bool try_add(std::string_view key, int cap);
  void remove(std::string_view key);
  int get(std::string_view key) const;

private:
  static constexpr std::size_t kShards = 64;
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, int> counts;
  };
  Shard& shard_for(std::string_view key) const;
  mutable Shard shards_[kShards];
};

enum class Rejection {
  GlobalCap,  // max_client_connections reached
  AddressCap, // max_connections_per_ip reached
  UserCap,    // max_connections_per_user reached → 429
  ParkedCap,  // max_parked_per_user reached → 429
};
std::string_view to_string(Rejection rejection); // "global_cap", "ip_cap", "user_cap", "parked_cap"

class ConnectionBudget {
public:
  ConnectionBudget(BudgetPlan plan, const config::BudgetConfig& caps);

  // Called when the global count crosses the cap: true = pause accepting, false = resume.
  // Runs on whichever worker thread crossed it; the callee must be thread-safe.
  void set_pause_handler(std::function<void(bool)> handler) { pause_handler_ = std::move(handler); }

  // A client connection slot (global + address), released when destroyed.
  class ClientSlot {
  public:
    ClientSlot(ConnectionBudget& budget, std::string address)
        : budget_(budget), address_(std::move(address)) {}
    ~ClientSlot();
    ClientSlot(const ClientSlot&) = delete;
    ClientSlot& operator=(const ClientSlot&) = delete;

  private:
    ConnectionBudget& budget_;
    std::string address_; // empty when no per-address cap applied
  };
  // A per-user slot (connections or parked polls), released when destroyed.
  class UserSlot {
  public:
    UserSlot(ShardedCounter& counter, std::string user)
        : counter_(counter), user_(std::move(user)) {}
    ~UserSlot();
    UserSlot(const UserSlot&) = delete;
    UserSlot& operator=(const UserSlot&) = delete;
    const std::string& user() const { return user_; }

  private:
    ShardedCounter& counter_;
    std::string user_;
  };

  std::expected<std::unique_ptr<ClientSlot>, Rejection> admit_client(std::string_view address);
  // A user's connection slot, taken when a connection first carries a verified identity;
  // nullptr when no per-user cap is configured (nothing to hold).
  std::expected<std::unique_ptr<UserSlot>, Rejection> admit_user(std::string_view user);
  // A parked-poll slot for |user|; nullptr when no cap is configured.
  std::expected<std::unique_ptr<UserSlot>, Rejection> admit_parked(std::string_view user);

  int capacity() const { return plan_.capacity; }
  int max_client_connections() const { return plan_.max_client_connections; }
  int in_use() const { return in_use_.load(std::memory_order_relaxed); }
  // Reload: caps per address/user may change; the global cap stays (it follows the limit).
  void update_caps(const config::BudgetConfig& caps);

private:
  void release_client(const std::string& address);

  BudgetPlan plan_;
  std::atomic<int> per_ip_cap_;
  std::atomic<int> per_user_cap_;
  std::atomic<int> parked_cap_;
  std::atomic<int> in_use_{0};
  ShardedCounter per_ip_;
  ShardedCounter per_user_;
  ShardedCounter parked_;
  std::function<void(bool)> pause_handler_;
};

} // namespace stgw::policy
