#pragma once

// The gateway's Prometheus metrics: one process-wide registry (prometheus-cpp core; the admin
// listener serves serialize()) and one observer per worker that turns the proxy's reports into
// counter, gauge and histogram updates and access-log lines. Labels are bounded: routes,
// listeners, backends and servers come from the config, codes and reasons from the code, the
// product from four fixed values — never a user or a client address.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/gateway_config.h"
#include "gateway/proxy/exchange_record.h"
#include "gateway/server/product_label.h"

struct event_base;
namespace prometheus {
class Registry;
}

namespace stgw::server {

class AccessLog;

// Histogram buckets of stgw_request_duration_seconds, in seconds: 1 ms to 120 s, dense around
// the ~30 s Sametime long poll so that parked polls and slow requests stay apart.
const std::vector<double>& request_duration_buckets();

class Metrics {
public:
  // Creates every stgw_* family and the label sets known from |config| at zero, so that rate()
  // and alerts work before the first event.
  explicit Metrics(const config::GatewayConfig& config);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The Prometheus text exposition (format 0.0.4). Runs the scrape hook first. Any thread;
  // scrapes are serialised.
  std::string serialize();
  // Called at the start of every serialize(), on the scraping thread, to refresh gauges that are
  // cheaper to read than to track (the budget).
  void set_scrape_hook(std::function<void(Metrics&)> hook);
  // stgw_budget_capacity and stgw_budget_in_use. Any thread.
  void set_budget(int capacity, int in_use);
  // stgw_config_reloads_total{result="ok"|"error"}. Any thread.
  void count_reload(bool ok);
  // After a successful reload: new [integration] hosts for the product label (workers pick them
  // up on their next event) and zeroed label sets for new listeners, backends and routes. Control
  // thread.
  void update_config(const config::GatewayConfig& config);

  // One observer per worker, called only from that worker's thread. |log| (may be null) gets
  // one line per exchange through a per-worker buffer whose flush timer runs on |worker_base|
  // (may be null: then it flushes on size and on destruction only). The observer must be
  // destroyed on the worker's thread or after its loop has stopped, before |worker_base| is
  // freed, and before this Metrics and |log|.
  std::unique_ptr<proxy::ProxyObserver> make_worker_observer(event_base* worker_base,
                                                             AccessLog* log);

  // The current product hosts and a counter that moves whenever update_config() replaced them.
  std::shared_ptr<const ProductHosts> product_hosts() const;
  std::uint64_t product_hosts_generation() const {
    return hosts_generation_.load(std::memory_order_acquire);
  }

  struct Families; // the prometheus::Family objects, defined in metrics.cc

private:
  void add_known_label_sets(const config::GatewayConfig& config);

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Families> families_;
  std::mutex scrape_mutex_;
  std::function<void(Metrics&)> scrape_hook_;
  mutable std::mutex hosts_mutex_;
  std::shared_ptr<const ProductHosts> hosts_;
  std::atomic<std::uint64_t> hosts_generation_{0};
};

} // namespace stgw::server
