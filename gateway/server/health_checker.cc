#include "gateway/server/health_checker.h"

#include <event2/bufferevent_ssl.h>
#include <fmt/format.h>

namespace stgw::server {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000),
                 static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

// "HTTP/1.1 200 ..." → 200; 0 when the line is not (yet) a status line.
int parse_status(std::string_view line) {
  if (!line.starts_with("HTTP/1.") || line.size() < 12)
    return 0;
  int status = 0;
  for (char c : line.substr(9, 3)) {
    if (c < '0' || c > '9')
      return 0;
    status = status * 10 + (c - '0');
  }
  return status;
}

} // namespace

struct HealthChecker::Probe {
  Target* target;
  net::BuffereventPtr bev;
  bool http = false;

  static void on_read(bufferevent* bev, void* arg) noexcept {
    auto* probe = static_cast<Probe*>(arg);
    evbuffer* input = bufferevent_get_input(bev);
    std::size_t length = std::min<std::size_t>(evbuffer_get_length(input), 64);
    std::string_view line(reinterpret_cast<const char*>(evbuffer_pullup(input, length)), length);
    if (line.find('\n') == std::string_view::npos && length < 64)
      return;
    int status = parse_status(line);
    probe->target->owner->finish_probe(*probe->target, status >= 100 && status < 500);
  }
  static void on_event(bufferevent*, short events, void* arg) noexcept {
    auto* probe = static_cast<Probe*>(arg);
    if ((events & BEV_EVENT_CONNECTED) && !probe->http) {
      probe->target->owner->finish_probe(*probe->target, true);
      return;
    }
    if (events & BEV_EVENT_CONNECTED)
      return;
    probe->target->owner->finish_probe(*probe->target, false);
  }
};

HealthChecker::HealthChecker(event_base* base,
                             std::shared_ptr<const proxy::SharedGeneration> generation)
    : base_(base), generation_(std::move(generation)) {
  const auto& backends = generation_->config->backends;
  for (std::size_t b = 0; b < backends.size(); ++b) {
    if (!backends[b].health_check.enabled)
      continue;
    for (std::size_t s = 0; s < backends[b].servers.size(); ++s) {
      auto target = std::make_unique<Target>();
      target->owner = this;
      target->backend = b;
      target->server = s;
      target->timer.reset(evtimer_new(base_, &HealthChecker::on_timer, target.get()));
      targets_.push_back(std::move(target));
    }
  }
}

HealthChecker::~HealthChecker() {
  for (auto& target : targets_)
    delete target->running;
}

void HealthChecker::probe_all() {
  for (auto& target : targets_)
    start_probe(*target);
}

void HealthChecker::on_timer(evutil_socket_t, short, void* arg) noexcept {
  auto* target = static_cast<Target*>(arg);
  target->owner->start_probe(*target);
}

void HealthChecker::start_probe(Target& target) {
  if (target.running != nullptr)
    return;
  const auto& backend = generation_->config->backends[target.backend];
  const auto& address = generation_->backend_addresses[target.backend][target.server];
  const auto& tls = generation_->backend_tls[target.backend];
  bufferevent* bev = nullptr;
  if (tls) {
    SSL* ssl = tls->new_ssl(backend.servers[target.server].address.host);
    bev = bufferevent_openssl_socket_new(base_, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                         BEV_OPT_CLOSE_ON_FREE);
  } else {
    bev = bufferevent_socket_new(base_, -1, BEV_OPT_CLOSE_ON_FREE);
  }
  if (bev == nullptr) {
    finish_probe(target, false);
    return;
  }
  auto* probe = new Probe{&target, net::BuffereventPtr(bev), !backend.health_check.path.empty()};
  target.running = probe;
  bufferevent_setcb(bev, &Probe::on_read, nullptr, &Probe::on_event, probe);
  timeval timeout = to_timeval(backend.health_check.timeout);
  bufferevent_set_timeouts(bev, &timeout, &timeout);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  if (probe->http) {
    std::string request = fmt::format(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: stgw-health-check\r\nConnection: close\r\n\r\n",
        backend.health_check.path, backend.servers[target.server].address.to_string());
    bufferevent_write(bev, request.data(), request.size());
  }
  if (bufferevent_socket_connect(bev, address.get(), address.length) != 0) {
    finish_probe(target, false);
  }
}

void HealthChecker::finish_probe(Target& target, bool healthy) {
  delete target.running;
  target.running = nullptr;
  generation_->backend_health[target.backend]->mark(target.server, healthy);
  timeval interval =
      to_timeval(generation_->config->backends[target.backend].health_check.interval);
  evtimer_add(target.timer.get(), &interval);
}

} // namespace stgw::server
