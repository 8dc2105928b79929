// stgw-load: a load generator that behaves like Sametime web users (awareness) or like wrk
// (rps, handshake).  See loadtest/load/README.md.

#include <netdb.h>
#include <signal.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <openssl/ssl.h>

#include "loadtest/load/credentials.h"
#include "loadtest/load/options.h"
#include "loadtest/load/report.h"
#include "loadtest/load/run_setup.h"
#include "loadtest/load/tls_client.h"
#include "loadtest/load/worker.h"

namespace {

using namespace stgw::load;

constexpr int kExitOk = 0;
constexpr int kExitSetup = 1;
constexpr int kExitUsage = 2;

std::atomic<bool>* g_stop = nullptr;

extern "C" void on_signal(int) {
  if (g_stop != nullptr)
    g_stop->store(true, std::memory_order_relaxed);
}

// Raises the soft descriptor limit to the hard one; returns the limit now in force.
rlim_t raise_nofile() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

std::uint64_t descriptors_needed(const Options& o) {
  if (o.scenario == Scenario::Awareness)
    return static_cast<std::uint64_t>(o.users) * (o.rate > 0 ? 2 : 1) + 32;
  return static_cast<std::uint64_t>(o.connections) + 32;
}

bool resolve(const Options& o, RunSetup& setup) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  if (o.url.host != "localhost")
    hints.ai_flags |= AI_NUMERICHOST;
  addrinfo* found = nullptr;
  std::string port = std::to_string(o.url.port);
  const char* host = o.url.host == "localhost" ? "127.0.0.1" : o.url.host.c_str();
  if (getaddrinfo(host, port.c_str(), &hints, &found) != 0 || found == nullptr)
    return false;
  std::memcpy(&setup.address, found->ai_addr, found->ai_addrlen);
  setup.address_length = static_cast<socklen_t>(found->ai_addrlen);
  freeaddrinfo(found);
  return true;
}

void print_progress(const RunSetup& setup, const std::vector<std::unique_ptr<Worker>>& workers,
                    std::uint64_t& last_requests, Nanos now) {
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  std::int64_t open = 0;
  std::int64_t users = 0;
  for (const auto& w : workers) {
    requests += w->live().requests.load(std::memory_order_relaxed);
    errors += w->live().errors.load(std::memory_order_relaxed);
    open += w->live().open_connections.load(std::memory_order_relaxed);
    users += w->live().users_connected.load(std::memory_order_relaxed);
  }
  std::string line = progress_line(static_cast<double>(now - setup.start) / 1e9,
                                   requests - last_requests, requests, errors, open, setup.options,
                                   users, setup.parked.now(), setup.parked.max());
  std::fprintf(stderr, "%s\n", line.c_str());
  last_requests = requests;
}

int run(RunSetup& setup) {
  const Options& o = setup.options;
  int thread_count = o.threads;
  std::vector<std::unique_ptr<Worker>> workers;
  setup.start = monotonic_now();
  setup.end = setup.start + static_cast<Nanos>(o.effective_duration().count()) * 1000;
  for (int i = 0; i < thread_count; ++i)
    workers.push_back(std::make_unique<Worker>(setup, i, thread_count));
  std::vector<std::thread> threads;
  for (auto& w : workers)
    threads.emplace_back([&w] { w->run(); });

  std::uint64_t last_requests = 0;
  Nanos next_progress = setup.start + 1'000'000'000;
  for (;;) {
    bool all_done = true;
    for (const auto& w : workers)
      all_done = all_done && w->finished();
    if (all_done)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    Nanos now = monotonic_now();
    if (o.progress && now >= next_progress) {
      print_progress(setup, workers, last_requests, now);
      next_progress += 1'000'000'000;
    }
  }
  for (auto& t : threads)
    t.join();

  RunSummary summary;
  summary.options = &o;
  summary.threads = thread_count;
  Nanos last = setup.start;
  for (const auto& w : workers) {
    summary.tally.merge(w->tally());
    last = std::max(last, w->finished_at());
  }
  summary.seconds = static_cast<double>(last - setup.start) / 1e9;
  summary.polls_parked_max = setup.parked.max();
  workers.clear();
  if (o.json)
    std::printf("%s\n", to_json(summary).dump(2).c_str());
  else
    std::printf("%s", to_text(summary).c_str());
  std::fflush(stdout);
  return kExitOk;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  auto options = parse_options(args);
  if (!options) {
    std::fprintf(stderr, "%s\n(try stgw-load --help)\n", describe(options.error()).c_str());
    return kExitUsage;
  }
  if (options->help) {
    std::fwrite(usage().data(), 1, usage().size(), stdout);
    return kExitOk;
  }
  ::signal(SIGPIPE, SIG_IGN);
  rlim_t limit = raise_nofile();
  if (descriptors_needed(*options) > limit) {
    std::fprintf(stderr,
                 "stgw-load: warning: %llu descriptors needed but RLIMIT_NOFILE is %llu; the "
                 "connections beyond it will fail as 'local' errors\n",
                 static_cast<unsigned long long>(descriptors_needed(*options)),
                 static_cast<unsigned long long>(limit));
  }

  auto setup = std::make_unique<RunSetup>();
  setup->options = *options;
  if (!resolve(setup->options, *setup)) {
    std::fprintf(stderr, "stgw-load: cannot resolve %s\n", options->url.host.c_str());
    return kExitSetup;
  }
  std::uint64_t count = static_cast<std::uint64_t>(
      options->scenario == Scenario::Awareness ? options->users : options->connections);
  auto cookies = load_cookies(setup->options, count);
  if (!cookies) {
    std::fprintf(stderr, "stgw-load: %s\n", cookies.error().c_str());
    return kExitSetup;
  }
  setup->cookies = std::move(*cookies);
  if (options->url.tls) {
    auto ctx = make_client_context(setup->options);
    if (!ctx) {
      std::fprintf(stderr, "stgw-load: %s\n", ctx.error().c_str());
      return kExitSetup;
    }
    setup->tls = *ctx;
  }
  g_stop = &setup->stop;
  ::signal(SIGINT, on_signal);
  ::signal(SIGTERM, on_signal);
  int code = run(*setup);
  g_stop = nullptr;
  if (setup->tls != nullptr)
    SSL_CTX_free(setup->tls);
  return code;
}
