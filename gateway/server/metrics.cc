#include "gateway/server/metrics.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <initializer_list>
#include <unordered_map>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "gateway/server/access_log.h"

#ifndef STGW_VERSION
#define STGW_VERSION "unknown"
#endif

namespace stgw::server {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

struct Metrics::Families {
  Family<Counter>& requests;
  Family<Histogram>& duration;
  Family<Gauge>& client_connections;
  Family<Counter>& rejected;
  Family<Gauge>& parked;
  Family<Gauge>& backend_connections;
  Family<Counter>& backend_errors;
  Family<Counter>& ltpa_validations;
  Counter& ltpa_cache_hits;
  Counter& ltpa_cache_misses;
  Family<Counter>& tls_handshakes;
  Gauge& budget_capacity;
  Gauge& budget_in_use;
  Family<Counter>& reloads;
  Family<Gauge>& build_info;
};

namespace {

constexpr std::array<std::string_view, 4> kProducts = {"inotes", "connections", "portal", "other"};
constexpr std::array<proxy::BackendErrorKind, 5> kErrorKinds = {
    proxy::BackendErrorKind::Connect, proxy::BackendErrorKind::Reset,
    proxy::BackendErrorKind::Timeout, proxy::BackendErrorKind::Protocol,
    proxy::BackendErrorKind::Tls};
// The caps of policy::ConnectionBudget (policy::to_string(Rejection)); other reasons (codec
// errors, timeouts) appear when they first happen.
constexpr std::array<std::string_view, 4> kBudgetReasons = {"global_cap", "ip_cap", "user_cap",
                                                            "parked_cap"};

template <class Metric>
Family<Metric>& register_family(prometheus::detail::Builder<Metric> builder, const char* name,
                                const char* help, prometheus::Registry& registry) {
  return builder.Name(name).Help(help).Register(registry);
}

std::unique_ptr<Metrics::Families> make_families(prometheus::Registry& r) {
  auto counter = [&r](const char* name, const char* help) -> Family<Counter>& {
    return register_family(prometheus::BuildCounter(), name, help, r);
  };
  auto gauge = [&r](const char* name, const char* help) -> Family<Gauge>& {
    return register_family(prometheus::BuildGauge(), name, help, r);
  };
  return std::unique_ptr<Metrics::Families>(new Metrics::Families{
      counter("stgw_requests_total", "Finished exchanges by route, status code and product."),
      register_family(prometheus::BuildHistogram(), "stgw_request_duration_seconds",
                      "Time from request head to the end of the response, by route.", r),
      gauge("stgw_client_connections", "Open client connections by listener."),
      counter("stgw_client_connections_rejected_total",
              "Client connections or requests refused, by reason (caps, decode errors)."),
      gauge("stgw_parked_requests", "Requests waiting on the backend for a response head."),
      gauge("stgw_backend_connections", "Backend connections by server and state."),
      counter("stgw_backend_errors_total", "Backend failures by server and kind."),
      counter("stgw_ltpa_validations_total", "LTPA cookie checks by token format and result."),
      counter("stgw_ltpa_cache_hits_total", "LTPA checks answered by a worker cache.").Add({}),
      counter("stgw_ltpa_cache_misses_total", "LTPA checks that needed a full verification.")
          .Add({}),
      counter("stgw_tls_handshakes_total", "Client TLS handshakes by listener and result."),
      gauge("stgw_budget_capacity", "Client connections the descriptor budget allows.").Add({}),
      gauge("stgw_budget_in_use", "Client connections holding a budget lease.").Add({}),
      counter("stgw_config_reloads_total", "Configuration reloads by result."),
      gauge("stgw_build_info", "Always 1; the version label names the build."),
  });
}

void change(Gauge& gauge, int delta) {
  if (delta >= 0)
    gauge.Increment(delta);
  else
    gauge.Decrement(-static_cast<double>(delta));
}

std::string_view label_or_none(std::string_view value) {
  return value.empty() ? "none" : value;
}

std::string_view listener_name(const config::ListenerConfig& listener, std::string& storage) {
  if (!listener.name.empty())
    return listener.name;
  storage = listener.address.to_string();
  return storage;
}

// Heterogeneous lookup, so that a cache hit needs no std::string.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// A cache key from label values, each prefixed by its length so that no two label tuples share a
// key whatever bytes they hold. The buffer is reused: no allocation once warm.
class LabelKey {
public:
  std::string_view make(std::initializer_list<std::string_view> values) {
    buffer_.clear();
    for (auto value : values) {
      char digits[24];
      auto [end, ec] = std::to_chars(std::begin(digits), std::end(digits), value.size());
      buffer_.append(digits, end);
      buffer_ += ':';
      buffer_.append(value);
    }
    return buffer_;
  }

private:
  std::string buffer_;
};

// One worker's pointers to family children. Family::Add locks the family, so it runs only on a
// miss; a child is never removed, so a cached pointer stays valid for the Metrics' lifetime.
template <class Metric> class ChildCache {
public:
  // |add| returns Metric& for the labels of |key|; nullptr if it threw (out of memory): the
  // update is skipped rather than letting an exception reach the proxy's C callbacks.
  template <class Add> Metric* get(std::string_view key, Add&& add) noexcept {
    if (auto it = children_.find(key); it != children_.end())
      return it->second;
    try {
      Metric* child = &add();
      children_.emplace(std::string(key), child);
      return child;
    } catch (...) {
      return nullptr;
    }
  }

private:
  std::unordered_map<std::string, Metric*, StringHash, std::equal_to<>> children_;
};

std::string_view status_code_label(int status, char (&buffer)[8]) {
  if (status < 0 || status > 999)
    status = 0; // 0 = no response; bounds the label
  auto [end, ec] = std::to_chars(std::begin(buffer), std::end(buffer), status);
  return std::string_view(buffer, static_cast<std::size_t>(end - buffer));
}

class WorkerObserver final : public proxy::ProxyObserver {
public:
  WorkerObserver(Metrics& metrics, Metrics::Families& families, event_base* base, AccessLog* log)
      : metrics_(metrics), f_(families) {
    if (log != nullptr)
      log_ = std::make_unique<AccessLogBuffer>(*log, base);
    refresh_hosts();
  }

  void on_exchange_done(const proxy::ExchangeRecord& record) override {
    refresh_hosts();
    std::string_view route = label_or_none(record.route);
    std::string_view product = product_of(record.referer_origin, *hosts_);
    char buffer[8];
    std::string_view code = status_code_label(record.status, buffer);
    if (auto* c = requests_.get(key_.make({route, code, product}), [&]() -> Counter& {
          return f_.requests.Add({{"route", std::string(route)},
                                  {"code", std::string(code)},
                                  {"product", std::string(product)}});
        }))
      c->Increment();
    if (auto* h = durations_.get(route, [&]() -> Histogram& {
          return f_.duration.Add({{"route", std::string(route)}}, request_duration_buckets());
        }))
      h->Observe(std::chrono::duration<double>(record.duration).count());
    if (log_)
      log_->append(record);
  }

  // A parked poll must leave the gauge it entered even if a reload changed the product hosts in
  // between. So each (route, origin) pair currently parked remembers its gauges with counts, in
  // the order they were first used; a new poll uses today's product, an ending one leaves the
  // oldest gauge that still holds polls. The map holds only pairs with polls parked right now
  // on this worker, however many distinct origins clients send.
  void on_parked(std::string_view route, std::string_view referer_origin, int delta) override {
    route = label_or_none(route);
    std::string_view key = parked_key_.make({route, referer_origin});
    auto it = parked_.find(key);
    if (delta > 0) {
      refresh_hosts();
      Gauge* gauge = parked_gauge(route, product_of(referer_origin, *hosts_));
      if (gauge == nullptr)
        return;
      try {
        if (it == parked_.end())
          it = parked_.emplace(std::string(key), ParkedGauges{}).first;
        auto entry = std::find_if(it->second.begin(), it->second.end(),
                                  [gauge](const ParkedGauge& e) { return e.gauge == gauge; });
        if (entry == it->second.end())
          entry = it->second.insert(entry, ParkedGauge{gauge, 0});
        entry->count += delta;
      } catch (...) {
        return;
      }
      change(*gauge, delta);
      return;
    }
    if (it != parked_.end()) {
      for (auto& entry : it->second) {
        int taken = std::min(entry.count, -delta);
        change(*entry.gauge, -taken);
        entry.count -= taken;
        delta += taken;
      }
      std::erase_if(it->second, [](const ParkedGauge& e) { return e.count == 0; });
      if (it->second.empty())
        parked_.erase(it);
    }
    if (delta < 0) {
      // No matching +1 on this observer: keep the process total right all the same.
      refresh_hosts();
      if (Gauge* gauge = parked_gauge(route, product_of(referer_origin, *hosts_)))
        change(*gauge, delta);
    }
  }

  void on_client_connection(std::string_view listener, int delta) override {
    if (auto* g = connections_.get(listener, [&]() -> Gauge& {
          return f_.client_connections.Add({{"listener", std::string(listener)}});
        }))
      change(*g, delta);
  }

  void on_tls_handshake(std::string_view listener, bool ok) override {
    std::string_view result = ok ? "ok" : "error";
    if (auto* c = tls_.get(key_.make({listener, result}), [&]() -> Counter& {
          return f_.tls_handshakes.Add(
              {{"listener", std::string(listener)}, {"result", std::string(result)}});
        }))
      c->Increment();
  }

  void on_backend_error(std::string_view backend, std::string_view server,
                        proxy::BackendErrorKind kind) override {
    backend = label_or_none(backend);
    server = label_or_none(server);
    std::string_view kind_label = proxy::to_string(kind);
    if (auto* c = backend_errors_.get(key_.make({backend, server, kind_label}), [&]() -> Counter& {
          return f_.backend_errors.Add({{"backend", std::string(backend)},
                                        {"server", std::string(server)},
                                        {"kind", std::string(kind_label)}});
        }))
      c->Increment();
  }

  void on_rejected(std::string_view reason) override {
    reason = label_or_none(reason);
    if (auto* c = rejected_.get(reason, [&]() -> Counter& {
          return f_.rejected.Add({{"reason", std::string(reason)}});
        }))
      c->Increment();
  }

  void on_ltpa_validation(std::string_view format, std::string_view result,
                          bool cache_hit) override {
    format = label_or_none(format);
    result = label_or_none(result);
    if (auto* c = ltpa_.get(key_.make({format, result}), [&]() -> Counter& {
          return f_.ltpa_validations.Add(
              {{"format", std::string(format)}, {"result", std::string(result)}});
        }))
      c->Increment();
    // Without a cookie nothing was looked up, so it is neither a hit nor a miss.
    if (format == "none")
      return;
    (cache_hit ? f_.ltpa_cache_hits : f_.ltpa_cache_misses).Increment();
  }

  void on_backend_connection(std::string_view backend, std::string_view server,
                             std::string_view state, int delta) override {
    if (auto* g = backend_connections_.get(key_.make({backend, server, state}), [&]() -> Gauge& {
          return f_.backend_connections.Add({{"backend", std::string(backend)},
                                             {"server", std::string(server)},
                                             {"state", std::string(state)}});
        }))
      change(*g, delta);
  }

private:
  struct ParkedGauge {
    Gauge* gauge;
    int count;
  };
  using ParkedGauges = std::vector<ParkedGauge>; // usually one element

  // One relaxed-cost atomic load per event; the mutex only after update_config().
  void refresh_hosts() {
    auto generation = metrics_.product_hosts_generation();
    if (hosts_ && generation == hosts_generation_)
      return;
    hosts_ = metrics_.product_hosts();
    hosts_generation_ = generation;
  }

  Gauge* parked_gauge(std::string_view route, std::string_view product) {
    return parked_gauges_.get(key_.make({route, product}), [&]() -> Gauge& {
      return f_.parked.Add({{"route", std::string(route)}, {"product", std::string(product)}});
    });
  }

  Metrics& metrics_;
  Metrics::Families& f_;
  std::unique_ptr<AccessLogBuffer> log_;
  std::shared_ptr<const ProductHosts> hosts_;
  std::uint64_t hosts_generation_ = 0;
  LabelKey key_;
  LabelKey parked_key_; // separate: parked_gauge() reuses key_ while this key is live
  ChildCache<Counter> requests_;
  ChildCache<Histogram> durations_;
  ChildCache<Gauge> connections_;
  ChildCache<Counter> tls_;
  ChildCache<Counter> backend_errors_;
  ChildCache<Counter> rejected_;
  ChildCache<Counter> ltpa_;
  ChildCache<Gauge> backend_connections_;
  ChildCache<Gauge> parked_gauges_;
  std::unordered_map<std::string, ParkedGauges, StringHash, std::equal_to<>> parked_;
};

} // namespace

const std::vector<double>& request_duration_buckets() {
  static const std::vector<double> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                               0.25,  0.5,    1,     2.5,  5,     10,   20,
                                               25,    30,     35,    45,   60,    90,   120};
  return kBuckets;
}

Metrics::Metrics(const config::GatewayConfig& config)
    : registry_(std::make_shared<prometheus::Registry>()), families_(make_families(*registry_)),
      hosts_(std::make_shared<const ProductHosts>(product_hosts_from(config.integration))) {
  families_->build_info.Add({{"version", STGW_VERSION}}).Set(1);
  for (std::string_view result : {"ok", "error"})
    families_->reloads.Add({{"result", std::string(result)}});
  for (auto reason : kBudgetReasons)
    families_->rejected.Add({{"reason", std::string(reason)}});
  add_known_label_sets(config);
}

Metrics::~Metrics() = default;

void Metrics::add_known_label_sets(const config::GatewayConfig& config) {
  auto& f = *families_;
  std::string storage;
  for (const auto& listener : config.listeners) {
    std::string name(listener_name(listener, storage));
    f.client_connections.Add({{"listener", name}});
    if (!listener.tls)
      continue;
    for (std::string_view result : {"ok", "error"})
      f.tls_handshakes.Add({{"listener", name}, {"result", std::string(result)}});
  }
  for (const auto& backend : config.backends) {
    for (const auto& server : backend.servers) {
      std::string address = server.address.to_string();
      for (std::string_view state : {"active", "idle"})
        f.backend_connections.Add(
            {{"backend", backend.name}, {"server", address}, {"state", std::string(state)}});
      for (auto kind : kErrorKinds)
        f.backend_errors.Add({{"backend", backend.name},
                              {"server", address},
                              {"kind", std::string(proxy::to_string(kind))}});
    }
  }
  for (const auto& route : config.routes) {
    std::string label = proxy::route_label(route.host, route.prefix);
    f.duration.Add({{"route", label}}, request_duration_buckets());
    for (auto product : kProducts)
      f.parked.Add({{"route", label}, {"product", std::string(product)}});
  }
  if (config.sso) {
    for (auto format : config.sso->accept)
      for (std::string_view result : {"valid", "expired", "invalid"})
        f.ltpa_validations.Add(
            {{"format", std::string(config::to_string(format))}, {"result", std::string(result)}});
    f.ltpa_validations.Add({{"format", "none"}, {"result", "missing"}});
  }
}

std::string Metrics::serialize() {
  std::lock_guard lock(scrape_mutex_);
  if (scrape_hook_)
    scrape_hook_(*this);
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

void Metrics::set_scrape_hook(std::function<void(Metrics&)> hook) {
  std::lock_guard lock(scrape_mutex_);
  scrape_hook_ = std::move(hook);
}

void Metrics::set_budget(int capacity, int in_use) {
  families_->budget_capacity.Set(capacity);
  families_->budget_in_use.Set(in_use);
}

void Metrics::count_reload(bool ok) {
  families_->reloads.Add({{"result", ok ? "ok" : "error"}}).Increment();
}

void Metrics::update_config(const config::GatewayConfig& config) {
  auto hosts = std::make_shared<const ProductHosts>(product_hosts_from(config.integration));
  {
    std::lock_guard lock(hosts_mutex_);
    hosts_ = std::move(hosts);
  }
  hosts_generation_.fetch_add(1, std::memory_order_acq_rel);
  add_known_label_sets(config);
}

std::unique_ptr<proxy::ProxyObserver> Metrics::make_worker_observer(event_base* worker_base,
                                                                    AccessLog* log) {
  return std::make_unique<WorkerObserver>(*this, *families_, worker_base, log);
}

std::shared_ptr<const ProductHosts> Metrics::product_hosts() const {
  std::lock_guard lock(hosts_mutex_);
  return hosts_;
}

} // namespace stgw::server
