#include "gateway/proxy/worker_context.h"

#include "gateway/proxy/client_session.h"

namespace stgw::proxy {

Generation::Generation(net::IoLoop& loop, std::shared_ptr<const SharedGeneration> shared,
                       ProxyObserver& observer)
    : shared_(std::move(shared)), router_(shared_->config->routes) {
  const auto& backends = shared_->config->backends;
  for (std::size_t i = 0; i < backends.size(); ++i)
    pools_.push_back(std::make_unique<BackendPool>(loop, backends[i], shared_->backend_addresses[i],
                                                   shared_->backend_health[i],
                                                   shared_->backend_tls[i], observer));
  for (const auto& route : shared_->config->routes)
    route_labels_.push_back(proxy::route_label(route.host, route.prefix));
}

const std::string& Generation::route_label(const config::RouteConfig* route) const {
  static const std::string kNone = "none";
  return route == nullptr ? kNone : route_labels_[router_.index_of(route)];
}

std::string route_label(std::string_view host, std::string_view prefix) {
  if (host.empty())
    return std::string(prefix);
  std::string label(host);
  label += prefix;
  return label;
}

BackendPool* Generation::pool_for(const config::RouteConfig& route) {
  for (auto& pool : pools_)
    if (pool->config().name == route.backend)
      return pool.get();
  return nullptr; // validation guarantees every route names a backend
}

void WorkerContext::begin_drain() {
  draining_ = true;
  // Sessions may close themselves while we walk: keep the next link before each call.
  for (ClientSession* session = head_; session != nullptr;) {
    ClientSession* next = session->next_;
    session->begin_drain();
    session = next;
  }
  if (generation_)
    for (std::size_t i = 0; i < generation_->pool_count(); ++i)
      generation_->pool(i).close_idle();
}

void WorkerContext::terminate_all() {
  for (ClientSession* session = head_; session != nullptr;) {
    ClientSession* next = session->next_;
    session->terminate();
    session = next;
  }
}

void WorkerContext::sweep_parked_later() {
  if (!parked_sweep_)
    parked_sweep_.reset(evtimer_new(base_, &WorkerContext::on_parked_sweep, this));
  if (evtimer_pending(parked_sweep_.get(), nullptr))
    return;
  timeval delay{0, static_cast<suseconds_t>(kParkedRelease.count() * 1000)};
  evtimer_add(parked_sweep_.get(), &delay);
}

void WorkerContext::on_parked_sweep(evutil_socket_t, short, void* arg) noexcept {
  auto* self = static_cast<WorkerContext*>(arg);
  auto cutoff = std::chrono::steady_clock::now() - kParkedRelease;
  bool waiting = false;
  for (ClientSession* session = self->head_; session != nullptr; session = session->next_)
    waiting = session->release_if_parked_before(cutoff) || waiting;
  if (waiting)
    self->sweep_parked_later();
}

void WorkerContext::add(ClientSession* session) {
  session->prev_ = nullptr;
  session->next_ = head_;
  if (head_ != nullptr)
    head_->prev_ = session;
  head_ = session;
  ++sessions_;
}

void WorkerContext::remove(ClientSession* session) {
  if (session->prev_ != nullptr)
    session->prev_->next_ = session->next_;
  else
    head_ = session->next_;
  if (session->next_ != nullptr)
    session->next_->prev_ = session->prev_;
  session->prev_ = session->next_ = nullptr;
  --sessions_;
}

std::string_view to_string(BackendErrorKind kind) {
  switch (kind) {
    case BackendErrorKind::Connect:
      return "connect";
    case BackendErrorKind::Reset:
      return "reset";
    case BackendErrorKind::Timeout:
      return "timeout";
    case BackendErrorKind::Protocol:
      return "protocol";
    case BackendErrorKind::Tls:
      return "tls";
  }
  return "unknown";
}

} // namespace stgw::proxy
