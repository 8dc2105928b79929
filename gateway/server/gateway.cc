#include "gateway/server/gateway.h"

#include <csignal>
#include <thread>

#include <event2/thread.h>

#include "config/loader.h"
#include "gateway/policy/connection_budget.h"
#include "gateway/proxy/exchange_record.h"
#include "gateway/server/access_log.h"
#include "gateway/server/admin_server.h"
#include "gateway/server/generation_builder.h"
#include "gateway/server/health_checker.h"
#include "gateway/server/log.h"
#include "gateway/server/metrics.h"
#include "gateway/server/worker.h"

namespace stgw::server {

class Gateway::Impl {
public:
  Impl(GatewayOptions options) : options_(std::move(options)) {}

  std::vector<std::string> init(config::ConfigPtr config);
  int run();
  void request_stop();

private:
  static void on_signal(evutil_socket_t signal, short, void* arg) noexcept;
  static void on_stop_request(evutil_socket_t, short, void* arg) noexcept;
  static void on_workers_done(evutil_socket_t, short, void* arg) noexcept;
  void begin_drain();
  void reload();
  int worker_count(const config::GatewayConfig& config) const;
  std::vector<std::string> plan_budget(const config::GatewayConfig& config, int workers);
  void on_budget_crossing();
  std::vector<std::string> start_observability(const config::GatewayConfig& config);
  std::optional<std::string> not_ready_reason() const;

  GatewayOptions options_;
  std::shared_ptr<const proxy::SharedGeneration> generation_;
  net::EventBasePtr base_;
  std::vector<net::EventPtr> signals_;
  net::EventPtr stop_event_;
  net::EventPtr done_poll_;
  std::unique_ptr<policy::ConnectionBudget> budget_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<AccessLog> access_log_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<AdminServer> admin_;
  std::unique_ptr<HealthChecker> health_;
  bool draining_ = false;
};

int Gateway::Impl::worker_count(const config::GatewayConfig& config) const {
  if (config.server.workers > 0)
    return config.server.workers;
  return std::max(1u, std::thread::hardware_concurrency());
}

std::vector<std::string> Gateway::Impl::init(config::ConfigPtr config) {
  evthread_use_pthreads();
  std::signal(SIGPIPE, SIG_IGN);
  auto generation = build_generation(config);
  if (!generation)
    return generation.error();
  generation_ = std::move(*generation);
  int workers = worker_count(*config);
  if (auto errors = plan_budget(*config, workers); !errors.empty())
    return errors;
  base_.reset(event_base_new());
  if (auto errors = start_observability(*config); !errors.empty())
    return errors;
  auto make_observer = [this](event_base* worker_base) {
    return metrics_->make_worker_observer(worker_base, access_log_.get());
  };
  for (int i = 0; i < workers; ++i) {
    auto worker = Worker::create(i, generation_, make_observer, budget_.get());
    if (!worker) {
      workers_.clear(); // closes the listeners already bound
      return worker.error();
    }
    workers_.push_back(std::move(*worker));
  }
  for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) {
    signals_.emplace_back(evsignal_new(base_.get(), signal, &Impl::on_signal, this));
    evsignal_add(signals_.back().get(), nullptr);
  }
  stop_event_.reset(event_new(base_.get(), -1, 0, &Impl::on_stop_request, this));
  budget_->set_pause_handler([this](bool) { on_budget_crossing(); });
  health_ = std::make_unique<HealthChecker>(base_.get(), generation_);
  return {};
}

std::vector<std::string> Gateway::Impl::plan_budget(const config::GatewayConfig& config,
                                                    int workers) {
  policy::NofileLimits limits = policy::raise_nofile_limit();
  auto plan = policy::plan_budget(config, limits.soft, workers);
  if (!plan)
    return {plan.error()};
  log_info("descriptor budget: nofile {} (hard {}), capacity {} client connections, cap {}",
           limits.soft, limits.hard, plan->capacity, plan->max_client_connections);
  budget_ = std::make_unique<policy::ConnectionBudget>(*plan, config.budget);
  return {};
}

// Runs on the worker thread that crossed the global cap. Each worker re-reads the count when
// its task runs, so a pause and a resume racing each other settle on the true state.
void Gateway::Impl::on_budget_crossing() {
  for (auto& worker : workers_) {
    Worker* w = worker.get();
    if (w == nullptr)
      continue; // shutting down: a worker destroyed earlier in workers_.clear()
    policy::ConnectionBudget* budget = budget_.get();
    w->post(
        [w, budget] { w->pause_accepting(budget->in_use() >= budget->max_client_connections()); });
  }
}

std::vector<std::string> Gateway::Impl::start_observability(const config::GatewayConfig& config) {
  metrics_ = std::make_unique<Metrics>(config);
  metrics_->set_scrape_hook(
      [this](Metrics& metrics) { metrics.set_budget(budget_->capacity(), budget_->in_use()); });
  auto log = AccessLog::open(config.access_log);
  if (!log)
    return {log.error()};
  access_log_ = std::move(*log);
  if (!config.admin.address)
    return {};
  AdminCallbacks callbacks;
  callbacks.metrics = [this] { return metrics_->serialize(); };
  callbacks.not_ready_reason = [this] { return not_ready_reason(); };
  auto admin = AdminServer::start(base_.get(), *config.admin.address, std::move(callbacks));
  if (!admin)
    return {admin.error()};
  admin_ = std::move(*admin);
  return {};
}

// /readyz: configuration loaded (always, once running), not draining, and at least one
// healthy server in every backend that routes use.
std::optional<std::string> Gateway::Impl::not_ready_reason() const {
  if (draining_)
    return "draining";
  const auto& backends = generation_->config->backends;
  for (std::size_t i = 0; i < backends.size(); ++i)
    if (!generation_->backend_health[i]->any_healthy())
      return fmt::format("no healthy server in backend {}", backends[i].name);
  return std::nullopt;
}

int Gateway::Impl::run() {
  for (auto& worker : workers_)
    worker->start();
  health_->probe_all();
  const auto& config = *generation_->config;
  std::string addresses;
  for (const auto& listener : config.listeners)
    addresses += fmt::format(" {}={}{}", listener.name, listener.tls ? "https://" : "http://",
                             listener.address.to_string());
  log_info("stgw {} serving with {} workers:{}", STGW_VERSION, workers_.size(), addresses);
  if (options_.print_ready_line) {
    fmt::print("stgw ready:{}\n", addresses);
    std::fflush(stdout);
  }
  event_base_dispatch(base_.get());
  for (auto& worker : workers_)
    worker->join();
  // Sessions the workers still hold end in their destructors and release budget slots; no
  // worker may be asked to resume accepting while the others are being destroyed.
  budget_->set_pause_handler(nullptr);
  workers_.clear();
  log_info("stgw stopped");
  return 0;
}

void Gateway::Impl::on_signal(evutil_socket_t signal, short, void* arg) noexcept {
  auto* self = static_cast<Impl*>(arg);
  if (signal == SIGHUP) {
    self->reload();
  } else if (signal == SIGUSR1) {
    if (self->access_log_)
      if (auto reopened = self->access_log_->reopen(); !reopened)
        log_error("access log: {}", reopened.error());
  } else if (signal == SIGTERM || signal == SIGINT) {
    self->begin_drain();
  }
}

void Gateway::Impl::request_stop() {
  event_active(stop_event_.get(), EV_READ, 0);
}

void Gateway::Impl::on_stop_request(evutil_socket_t, short, void* arg) noexcept {
  static_cast<Impl*>(arg)->begin_drain();
}

void Gateway::Impl::begin_drain() {
  if (draining_)
    return;
  draining_ = true;
  auto deadline = generation_->config->server.drain_timeout;
  log_info("draining: up to {} ms for in-flight exchanges", deadline.count());
  health_.reset();
  for (auto& worker : workers_) {
    Worker* w = worker.get();
    w->post([w, deadline] { w->drain(deadline); });
  }
  // Workers leave their loops when drained; run() joins them. Signal handlers stay installed
  // so a second SIGTERM during the drain does not kill the process.
  event_base_loopexit(base_.get(), nullptr);
}

void Gateway::Impl::reload() {
  if (options_.config_path.empty() || draining_) {
    log_warn("reload ignored: {}", draining_ ? "draining" : "embedded configuration");
    return;
  }
  auto loaded = config::load_config_file(options_.config_path);
  if (!loaded) {
    for (const auto& error : loaded.error())
      log_error("reload: {}", error.to_string());
    log_error("reload failed: keeping the running configuration");
    metrics_->count_reload(false);
    return;
  }
  auto generation = build_generation(*loaded, generation_.get());
  if (!generation) {
    for (const auto& error : generation.error())
      log_error("reload: {}", error);
    log_error("reload failed: keeping the running configuration");
    metrics_->count_reload(false);
    return;
  }
  metrics_->count_reload(true);
  metrics_->update_config(**loaded);
  generation_ = std::move(*generation);
  budget_->update_caps(generation_->config->budget);
  for (auto& worker : workers_) {
    Worker* w = worker.get();
    auto next = generation_;
    w->post([w, next] {
      for (const auto& error : w->apply(next))
        log_error("reload: {}", error);
    });
  }
  health_ = std::make_unique<HealthChecker>(base_.get(), generation_);
  health_->probe_all();
  log_info("reloaded {}", options_.config_path);
}

std::expected<std::unique_ptr<Gateway>, std::vector<std::string>>
Gateway::create(config::ConfigPtr config, GatewayOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  auto errors = impl->init(std::move(config));
  if (!errors.empty())
    return std::unexpected(std::move(errors));
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Gateway::~Gateway() = default;
int Gateway::run() {
  return impl_->run();
}
void Gateway::request_stop() {
  impl_->request_stop();
}

} // namespace stgw::server
