#include "gateway/server/worker.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "gateway/proxy/client_session.h"

namespace stgw::server {
namespace {

constexpr timeval kDrainTick{0, 50 * 1000};
// Clients beyond the global cap are refused this often, at most kRefuseBatch per listener per
// tick: soon enough that nobody waits for a timeout, bounded so that a flood costs at most 640
// accept+reset calls a second per listener and worker rather than an accept storm.
constexpr timeval kRefuseTick{0, 100 * 1000};
constexpr std::size_t kRefuseBatch = 64;

std::string listener_key(const config::ListenerConfig& listener) {
  return fmt::format("{}|{}|{}", listener.name, listener.address.to_string(),
                     listener.tls ? "tls" : "clear");
}

// A loop without libevent's internal lock: only this worker's thread touches it (post() goes
// through the eventfd, not through libevent), and evthread_use_pthreads() would otherwise make
// every event_add/del on the data path take a mutex.
net::EventBasePtr make_unlocked_base() {
  std::unique_ptr<event_config, decltype(&event_config_free)> config(event_config_new(),
                                                                     &event_config_free);
  if (!config)
    return nullptr;
  event_config_set_flag(config.get(), EVENT_BASE_FLAG_NOLOCK);
  return net::EventBasePtr(event_base_new_with_config(config.get()));
}

} // namespace

OwnedFd::~OwnedFd() {
  if (fd_ >= 0)
    ::close(fd_);
}

void ListenerSlot::on_accept(int fd, const net::SocketAddress& peer) {
  worker->accept(info, fd, peer);
}

Worker::Worker(int index, net::EventBasePtr base, OwnedFd wakeup_fd,
               const ObserverFactory& make_observer, policy::ConnectionBudget* budget,
               std::size_t cache_entries)
    : index_(index), base_(std::move(base)), observer_(make_observer(base_.get())), budget_(budget),
      cache_(std::make_unique<ssoauth::ValidationCache>(cache_entries)),
      wakeup_fd_(std::move(wakeup_fd)) {
  context_ = std::make_unique<proxy::WorkerContext>(base_.get(), *observer_, cache_.get(), budget);
  wakeup_.reset(
      event_new(base_.get(), wakeup_fd_.get(), EV_READ | EV_PERSIST, &Worker::on_wakeup, this));
  event_add(wakeup_.get(), nullptr);
  drain_tick_.reset(event_new(base_.get(), -1, EV_PERSIST, &Worker::on_drain_tick, this));
  refuse_tick_.reset(event_new(base_.get(), -1, EV_PERSIST, &Worker::on_refuse_tick, this));
}

Worker::~Worker() {
  join();
  context_->terminate_all();
  listeners_.clear();
}

std::expected<std::unique_ptr<Worker>, std::vector<std::string>>
Worker::create(int index, std::shared_ptr<const proxy::SharedGeneration> generation,
               const ObserverFactory& make_observer, policy::ConnectionBudget* budget) {
  const auto& sso = generation->config->sso;
  std::size_t cache_entries = sso ? sso->cache_entries : 0;
  net::EventBasePtr base = make_unlocked_base();
  if (!base)
    return std::unexpected(
        std::vector<std::string>{fmt::format("worker {}: cannot create an event loop", index)});
  OwnedFd wakeup_fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (wakeup_fd.get() < 0)
    return std::unexpected(std::vector<std::string>{
        fmt::format("worker {}: eventfd: {}", index, std::strerror(errno))});
  std::unique_ptr<Worker> worker(new Worker(index, std::move(base), std::move(wakeup_fd),
                                            make_observer, budget, cache_entries));
  // Read once: a reload does not change how the loop runs.
  worker->busy_poll_ = std::chrono::microseconds(generation->config->server.busy_poll_us);
  auto errors = worker->apply(std::move(generation));
  if (!errors.empty())
    return std::unexpected(std::move(errors));
  return worker;
}

std::expected<std::unique_ptr<ListenerSlot>, std::string>
Worker::open_listener(const config::ListenerConfig& config,
                      std::shared_ptr<net::ServerTlsContext> tls) {
  auto address = net::resolve(config.address);
  if (!address)
    return std::unexpected(address.error());
  auto slot = std::make_unique<ListenerSlot>();
  slot->worker = this;
  slot->key = listener_key(config);
  auto listener = net::Listener::open(base_.get(), *address, *slot);
  if (!listener)
    return std::unexpected(fmt::format("listener {}: {}", config.name, listener.error()));
  slot->listener = std::move(*listener);
  auto info = std::make_shared<proxy::ListenerInfo>();
  info->name = config.name;
  info->port = slot->listener->port();
  info->tls = std::move(tls);
  slot->info = std::move(info);
  return slot;
}

std::vector<std::string> Worker::apply(std::shared_ptr<const proxy::SharedGeneration> generation) {
  std::vector<std::string> errors;
  std::vector<std::unique_ptr<ListenerSlot>> next;
  const auto& listeners = generation->config->listeners;
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    std::string key = listener_key(listeners[i]);
    auto kept = std::find_if(listeners_.begin(), listeners_.end(),
                             [&](const auto& slot) { return slot && slot->key == key; });
    if (kept != listeners_.end()) {
      // Same socket; new sessions get the new TLS context (certificates may have changed).
      auto info = std::make_shared<proxy::ListenerInfo>(*(*kept)->info);
      info->tls = generation->listener_tls[i];
      (*kept)->info = std::move(info);
      next.push_back(std::move(*kept));
      continue;
    }
    auto slot = open_listener(listeners[i], generation->listener_tls[i]);
    if (!slot) {
      errors.push_back(slot.error());
      continue;
    }
    next.push_back(std::move(*slot));
  }
  if (!errors.empty() && listeners_.empty())
    return errors;              // start-up: nothing half-open
  listeners_ = std::move(next); // listeners left out are closed; their sessions continue
  context_->set_generation(
      std::make_shared<proxy::Generation>(context_->io(), std::move(generation), *observer_));
  return errors;
}

void Worker::accept(const std::shared_ptr<const proxy::ListenerInfo>& listener, int fd,
                    const net::SocketAddress& peer) {
  if (context_->draining()) {
    ::close(fd);
    return;
  }
  proxy::ClientSlot slot;
  if (budget_ != nullptr) {
    auto admitted = budget_->admit_client(peer.ip());
    if (!admitted) {
      // Over a cap: refuse at once. At the global cap this worker also stops accepting right
      // here (libevent checks after each accept callback), so at most one connection per
      // worker is refused before every listener pauses; the rest wait in the backlog.
      observer_->on_rejected(policy::to_string(admitted.error()));
      ::close(fd);
      if (admitted.error() == policy::Rejection::GlobalCap)
        pause_accepting(true);
      return;
    }
    slot = std::move(*admitted);
    if (budget_->in_use() >= budget_->max_client_connections())
      pause_accepting(true);
  }
  proxy::ClientSession::start(*context_, listener, fd, peer, std::move(slot));
}

void Worker::start() {
  thread_ = std::thread([this] { context_->io().run(busy_poll_); });
}

void Worker::join() {
  if (thread_.joinable())
    thread_.join();
}

void Worker::post(std::function<void()> task) {
  {
    std::lock_guard lock(tasks_mutex_);
    tasks_.push_back(std::move(task));
  }
  // Only EAGAIN can fail here (the counter is near 2^64): the loop is then readable anyway.
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t written = ::write(wakeup_fd_.get(), &one, sizeof one);
}

void Worker::on_wakeup(evutil_socket_t fd, short, void* arg) noexcept {
  // One read resets the counter however many posts came; a post after it makes the descriptor
  // readable again, so no task waits for a wake-up that was already consumed.
  std::uint64_t count = 0;
  [[maybe_unused]] ssize_t read = ::read(fd, &count, sizeof count);
  static_cast<Worker*>(arg)->run_tasks();
}

void Worker::run_tasks() {
  std::deque<std::function<void()>> tasks;
  {
    std::lock_guard lock(tasks_mutex_);
    tasks.swap(tasks_);
  }
  for (auto& task : tasks)
    task();
}

void Worker::drain(std::chrono::milliseconds deadline) {
  listeners_.clear();
  event_del(refuse_tick_.get());
  drain_deadline_ = std::chrono::steady_clock::now() + deadline;
  context_->begin_drain();
  event_add(drain_tick_.get(), &kDrainTick);
}

void Worker::on_drain_tick(evutil_socket_t, short, void* arg) noexcept {
  auto* self = static_cast<Worker*>(arg);
  bool overdue = std::chrono::steady_clock::now() >= self->drain_deadline_;
  if (overdue)
    self->context_->terminate_all();
  if (self->context_->session_count() == 0 || overdue) {
    event_del(self->drain_tick_.get());
    self->context_->set_generation(nullptr);
    event_base_loopexit(self->base_.get(), nullptr);
  }
}

void Worker::pause_accepting(bool paused) {
  for (auto& slot : listeners_)
    paused ? slot->listener->pause() : slot->listener->resume();
  if (!paused)
    event_del(refuse_tick_.get());
  else if (!context_->draining() && !event_pending(refuse_tick_.get(), EV_TIMEOUT, nullptr))
    event_add(refuse_tick_.get(), &kRefuseTick); // re-adding would push the next tick back
}

void Worker::on_refuse_tick(evutil_socket_t, short, void* arg) noexcept {
  static_cast<Worker*>(arg)->refuse_waiting_clients();
}

void Worker::refuse_waiting_clients() {
  // A slot freed since the pause: the resume task is on its way, and the clients waiting now
  // are the ones it will serve.
  if (budget_ == nullptr || budget_->in_use() < budget_->max_client_connections())
    return;
  auto reason = policy::to_string(policy::Rejection::GlobalCap);
  for (auto& slot : listeners_) {
    std::size_t refused = slot->listener->refuse_pending(kRefuseBatch);
    for (std::size_t i = 0; i < refused; ++i)
      observer_->on_rejected(reason);
  }
}

} // namespace stgw::server
