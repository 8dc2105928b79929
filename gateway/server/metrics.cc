#include "gateway/server/metrics.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <span>
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
  std::string_view make(std::span<const std::string_view> values) {
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

// The last few label tuples looked up at one call site and what they gave. Requests mostly repeat
// the labels of the ones before (one route, code 200, active/idle on a few servers), so comparing
// a few short strings replaces building a key, hashing it and probing a map. Labels are compared
// by content, never by address: a view may point at a buffer that now holds something else.
// Replacing an entry reuses its strings' capacity, so once warm neither a hit nor a replacement
// allocates. Tuples with a value longer than kMaxRememberedBytes (in practice a client-chosen
// origin) are not remembered, which bounds the memory whatever clients send.
template <std::size_t N, class Value> class RecentLookups {
public:
  using Labels = std::array<std::string_view, N>;
  static constexpr std::size_t kEntries = 8;
  static constexpr std::size_t kMaxRememberedBytes = 256;

  const Value* find(const Labels& labels) const {
    for (const auto& entry : entries_)
      if (entry.used && std::equal(labels.begin(), labels.end(), entry.labels.begin()))
        return &entry.value;
    return nullptr;
  }

  // Takes a free entry (one forgotten or never used) or else replaces the entries in turn; on
  // failure (out of memory) that entry is simply dropped.
  void remember(const Labels& labels, Value value) noexcept {
    for (auto label : labels)
      if (label.size() > kMaxRememberedBytes)
        return;
    Entry& entry = free_or_next_entry();
    entry.used = false;
    try {
      for (std::size_t i = 0; i < N; ++i)
        entry.labels[i].assign(labels[i]);
    } catch (...) {
      return;
    }
    entry.value = value;
    entry.used = true;
  }

  // Drops every entry that gave |value| (it no longer stands for those labels).
  void forget(const Value& value) {
    for (auto& entry : entries_)
      if (entry.used && entry.value == value)
        entry.used = false;
  }

  void clear() {
    for (auto& entry : entries_)
      entry.used = false;
  }

private:
  struct Entry {
    std::array<std::string, N> labels;
    Value value{};
    bool used = false;
  };

  // A forgotten entry first: a parked pair that comes and goes then reuses its own strings and
  // does not push out the entries still in use.
  Entry& free_or_next_entry() {
    for (auto& entry : entries_)
      if (!entry.used)
        return entry;
    Entry& entry = entries_[next_];
    next_ = (next_ + 1) % kEntries;
    return entry;
  }

  std::array<Entry, kEntries> entries_;
  std::size_t next_ = 0;
};

// One worker's pointers to family children for labels of N values: the recent look-ups first,
// then a map by key. Family::Add locks the family, so it runs only when neither knows the labels;
// a child is never removed, so a cached pointer stays valid for the Metrics' lifetime.
template <std::size_t N, class Metric> class ChildCache {
public:
  using Labels = std::array<std::string_view, N>;

  // |add| returns Metric& for |labels|; nullptr if it threw (out of memory): the update is
  // skipped rather than letting an exception reach the proxy's C callbacks.
  template <class Add> Metric* get(const Labels& labels, Add&& add) noexcept {
    if (Metric* const* hit = recent_.find(labels))
      return *hit;
    Metric* child = find_or_add(labels, add);
    if (child != nullptr)
      recent_.remember(labels, child);
    return child;
  }

private:
  template <class Add> Metric* find_or_add(const Labels& labels, Add& add) noexcept {
    try {
      std::string_view key = key_.make(labels);
      if (auto it = children_.find(key); it != children_.end())
        return it->second;
      Metric* child = &add();
      children_.emplace(std::string(key), child);
      return child;
    } catch (...) {
      return nullptr;
    }
  }

  RecentLookups<N, Metric*> recent_;
  LabelKey key_;
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
    spare_pairs_.reserve(kSparePairs);
    refresh_hosts();
  }

  void on_exchange_done(const proxy::ExchangeRecord& record) override {
    std::string_view route = label_or_none(record.route);
    std::string_view product = product_for(record.referer_origin);
    char buffer[8];
    std::string_view code = status_code_label(record.status, buffer);
    if (auto* c = requests_.get({route, code, product}, [&]() -> Counter& {
          return f_.requests.Add({{"route", std::string(route)},
                                  {"code", std::string(code)},
                                  {"product", std::string(product)}});
        }))
      c->Increment();
    if (auto* h = durations_.get({route}, [&]() -> Histogram& {
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
    if (delta > 0)
      park(route, referer_origin, delta);
    else if (delta < 0)
      unpark(route, referer_origin, -delta);
  }

  void on_client_connection(std::string_view listener, int delta) override {
    if (auto* g = connections_.get({listener}, [&]() -> Gauge& {
          return f_.client_connections.Add({{"listener", std::string(listener)}});
        }))
      change(*g, delta);
  }

  void on_tls_handshake(std::string_view listener, bool ok) override {
    std::string_view result = ok ? "ok" : "error";
    if (auto* c = tls_.get({listener, result}, [&]() -> Counter& {
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
    if (auto* c = backend_errors_.get({backend, server, kind_label}, [&]() -> Counter& {
          return f_.backend_errors.Add({{"backend", std::string(backend)},
                                        {"server", std::string(server)},
                                        {"kind", std::string(kind_label)}});
        }))
      c->Increment();
  }

  void on_rejected(std::string_view reason) override {
    reason = label_or_none(reason);
    if (auto* c = rejected_.get({reason}, [&]() -> Counter& {
          return f_.rejected.Add({{"reason", std::string(reason)}});
        }))
      c->Increment();
  }

  void on_ltpa_validation(std::string_view format, std::string_view result,
                          bool cache_hit) override {
    format = label_or_none(format);
    result = label_or_none(result);
    if (auto* c = ltpa_.get({format, result}, [&]() -> Counter& {
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
    if (auto* g = backend_connections_.get({backend, server, state}, [&]() -> Gauge& {
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
  using ParkedPairs = std::unordered_map<std::string, ParkedGauges, StringHash, std::equal_to<>>;
  // Map nodes of pairs no longer parked, kept for the next pair: a poll that parks alone on its
  // (route, origin) would otherwise allocate a node, a key and a vector every time.
  static constexpr std::size_t kSparePairs = 16;

  void park(std::string_view route, std::string_view origin, int count) {
    Gauge* gauge = parked_gauge(route, product_for(origin));
    if (gauge == nullptr)
      return;
    ParkedGauges* gauges = parked_pair(route, origin);
    if (gauges == nullptr)
      return;
    auto entry = std::find_if(gauges->begin(), gauges->end(),
                              [gauge](const ParkedGauge& e) { return e.gauge == gauge; });
    if (entry == gauges->end()) {
      try {
        entry = gauges->insert(entry, ParkedGauge{gauge, 0});
      } catch (...) {
        return;
      }
    }
    entry->count += count;
    change(*gauge, count);
  }

  void unpark(std::string_view route, std::string_view origin, int count) {
    if (ParkedGauges* gauges = find_pair(route, origin)) {
      for (auto& entry : *gauges) {
        int taken = std::min(entry.count, count);
        change(*entry.gauge, -taken);
        entry.count -= taken;
        count -= taken;
      }
      std::erase_if(*gauges, [](const ParkedGauge& e) { return e.count == 0; });
      if (gauges->empty())
        release_pair(route, origin, gauges);
    }
    if (count > 0) {
      // No matching +1 on this observer: keep the process total right all the same.
      if (Gauge* gauge = parked_gauge(route, product_for(origin)))
        change(*gauge, -count);
    }
  }

  // The entry of a parked (route, origin) pair; nullptr when it has no polls parked. While polls
  // of the pair stay parked this is a recent look-up, without building or hashing a key.
  ParkedGauges* find_pair(std::string_view route, std::string_view origin) {
    if (ParkedGauges* const* hit = recent_pairs_.find({route, origin}))
      return *hit;
    try {
      auto it = parked_.find(pair_key_.make(std::array{route, origin}));
      if (it == parked_.end())
        return nullptr;
      recent_pairs_.remember({route, origin}, &it->second);
      return &it->second;
    } catch (...) {
      return nullptr;
    }
  }

  // The entry of a pair, added (empty) when it has none; nullptr when out of memory.
  ParkedGauges* parked_pair(std::string_view route, std::string_view origin) {
    if (ParkedGauges* gauges = find_pair(route, origin))
      return gauges;
    try {
      std::string_view key = pair_key_.make(std::array{route, origin});
      ParkedPairs::iterator it;
      if (spare_pairs_.empty()) {
        it = parked_.emplace(std::string(key), ParkedGauges{}).first;
      } else {
        auto node = std::move(spare_pairs_.back());
        spare_pairs_.pop_back();
        node.key().assign(key);
        it = parked_.insert(std::move(node)).position;
      }
      recent_pairs_.remember({route, origin}, &it->second);
      return &it->second;
    } catch (...) {
      return nullptr;
    }
  }

  // The pair has no polls left: its node goes to the spares (or is freed when there are enough).
  void release_pair(std::string_view route, std::string_view origin, ParkedGauges* gauges) {
    recent_pairs_.forget(gauges);
    try {
      auto it = parked_.find(pair_key_.make(std::array{route, origin}));
      if (it == parked_.end())
        return;
      auto node = parked_.extract(it);
      if (spare_pairs_.size() < kSparePairs)
        spare_pairs_.push_back(std::move(node)); // capacity reserved: does not allocate
    } catch (...) {
      // Only the key could fail to build: the empty entry stays and is reused by its pair.
    }
  }

  // One relaxed-cost atomic load per event; the mutex only after update_config().
  void refresh_hosts() {
    auto generation = metrics_.product_hosts_generation();
    if (hosts_ && generation == hosts_generation_)
      return;
    hosts_ = metrics_.product_hosts();
    hosts_generation_ = generation;
    products_.clear();
  }

  // product_of() parses the origin and compares it with every configured host; the clients of one
  // deployment send a handful of origins, so the answer is remembered until the hosts change.
  std::string_view product_for(std::string_view origin) {
    refresh_hosts();
    if (const std::string_view* hit = products_.find({origin}))
      return *hit;
    std::string_view product = product_of(origin, *hosts_); // a literal: safe to keep
    products_.remember({origin}, product);
    return product;
  }

  Gauge* parked_gauge(std::string_view route, std::string_view product) {
    return parked_gauges_.get({route, product}, [&]() -> Gauge& {
      return f_.parked.Add({{"route", std::string(route)}, {"product", std::string(product)}});
    });
  }

  Metrics& metrics_;
  Metrics::Families& f_;
  std::unique_ptr<AccessLogBuffer> log_;
  std::shared_ptr<const ProductHosts> hosts_;
  std::uint64_t hosts_generation_ = 0;
  RecentLookups<1, std::string_view> products_; // origin → product for the current hosts
  ChildCache<3, Counter> requests_;
  ChildCache<1, Histogram> durations_;
  ChildCache<1, Gauge> connections_;
  ChildCache<2, Counter> tls_;
  ChildCache<3, Counter> backend_errors_;
  ChildCache<1, Counter> rejected_;
  ChildCache<2, Counter> ltpa_;
  ChildCache<3, Gauge> backend_connections_;
  ChildCache<2, Gauge> parked_gauges_;
  LabelKey pair_key_; // the key of parked_
  ParkedPairs parked_;
  RecentLookups<2, ParkedGauges*> recent_pairs_; // (route, origin) → its entry in parked_
  std::vector<ParkedPairs::node_type> spare_pairs_;
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
