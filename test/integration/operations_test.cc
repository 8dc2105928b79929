// Budgets, observability and live reload (issue 4) against the real gateway: connection caps
// with real sockets, /metrics parsed, /readyz following the backend, the access log and its
// reopen, SIGHUP reloads during a long poll, and the descriptor budget at start-up with
// RLIMIT_NOFILE lowered in the child.

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <cerrno>
#include <filesystem>
#include <regex>
#include <sstream>

#include "test/integration/ops_support.h"

namespace stgw::itest {
namespace {

constexpr char kRealm[] = "defaultWIMFileBasedRealm";
constexpr char kUser[] = "uid=jdoe,ou=people,o=example";
constexpr char kOtherUser[] = "uid=asmith,ou=people,o=example";

using Connections = std::vector<std::unique_ptr<HeldConnection>>;

std::vector<HeldConnection*> pointers(const Connections& connections) {
  std::vector<HeldConnection*> out;
  for (const auto& c : connections)
    out.push_back(c.get());
  return out;
}

int answered_status(const HeldConnection& c) {
  auto reply = c.response();
  return reply ? reply->status : 0;
}

// Closed by the gateway before any byte of a response.
bool refused(const HeldConnection& c) {
  return c.closed() && c.buffer().empty();
}

int count_status(const Connections& connections, int status) {
  return static_cast<int>(std::count_if(connections.begin(), connections.end(), [&](const auto& c) {
    return answered_status(*c) == status;
  }));
}

int count_refused(const Connections& connections) {
  return static_cast<int>(std::count_if(connections.begin(), connections.end(),
                                        [](const auto& c) { return refused(*c); }));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty())
      lines.push_back(line);
  return lines;
}

// Waits until |deadline| for the gateway to end |c| without sending a byte: true when recv
// reports an orderly close (0) or a reset (ECONNRESET), as a refused client sees it.
bool closed_or_reset_by(const HeldConnection& c, Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  pollfd p{c.fd(), POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 0))) != 1)
    return false;
  char byte = 0;
  ssize_t n = ::recv(c.fd(), &byte, 1, MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

// Sends |request| on a new connection from |source_ip| and waits for the response.
std::optional<HttpReply> exchange_once(std::uint16_t port, const std::string& request,
                                       std::chrono::milliseconds timeout = 5s,
                                       const std::string& source_ip = "127.0.0.1") {
  HeldConnection c(port, source_ip);
  if (!c.connected() || !c.send_all(request))
    return std::nullopt;
  pump_until(
      {&c}, [&] { return c.response().has_value() || c.closed(); }, timeout);
  return c.response();
}

class OperationsTest : public OpsTestBase {
protected:
  // Key set and an [sso] section for the tests that need identities.
  std::string make_sso() {
    keys_ = generate_ltpa_keys(dir_, "ltpa", kRealm);
    EXPECT_FALSE(keys_.keys_file.empty());
    return sso_section(keys_, "");
  }
  std::string token_for(const std::string& user) {
    std::string token = mint_ltpa(keys_, user, "ltpa2");
    EXPECT_FALSE(token.empty());
    return token;
  }
  // Waits until a metric's sum satisfies |want|; returns the last sum seen.
  double wait_metric(const std::string& name, const std::map<std::string, std::string>& labels,
                     const std::function<bool(double)>& want,
                     std::chrono::milliseconds timeout = 3s) {
    double last = -1;
    eventually(
        [&] {
          MetricsText m = metrics();
          last = m.parsed ? m.sum(name, labels) : -1;
          return m.parsed && want(last);
        },
        timeout, 100ms);
    return last;
  }

  LtpaKeys keys_;
};

// ---------------------------------------------------------------------------------------------
// Budgets

TEST_F(OperationsTest, GlobalCapServesFiftyOfSixtyRefusesTheRestAndServesNewClientsLater) {
  ASSERT_TRUE(start_sim());
  OpsConfig config;
  config.budget = "max_client_connections = 50";
  ASSERT_TRUE(start_gateway(config));

  Connections connections;
  for (int i = 0; i < 60; ++i) {
    connections.push_back(std::make_unique<HeldConnection>(config_.http_port));
    ASSERT_TRUE(connections.back()->connected()) << "connection " << i;
    // A refused connection may already be closed: a failed send is judged below.
    connections.back()->send_all(get_request("/echo?c=" + std::to_string(i)));
  }
  auto all = pointers(connections);
  // The ten beyond the cap are reset by the refusal tick (every 100 ms) rather than left
  // waiting in the backlog; the fifty are served.
  pump_until(
      all, [&] { return count_status(connections, 200) == 50 && count_refused(connections) == 10; },
      10s);
  ASSERT_EQ(count_status(connections, 200), 50) << "refused: " << count_refused(connections);
  EXPECT_EQ(count_refused(connections), 10);

  MetricsText m = metrics();
  ASSERT_TRUE(m.parsed) << m.error;
  EXPECT_EQ(m.sum("stgw_budget_in_use"), 50);
  EXPECT_EQ(m.sum("stgw_client_connections", {{"listener", "http"}}), 50);
  EXPECT_EQ(m.sum("stgw_client_connections_rejected_total", {{"reason", "global_cap"}}),
            count_refused(connections));

  // Closing ten served connections makes room for ten new clients.
  int closed = 0;
  for (auto& c : connections) {
    if (closed < 10 && answered_status(*c) == 200) {
      c->close();
      ++closed;
    }
  }
  ASSERT_EQ(closed, 10);
  ASSERT_EQ(wait_metric("stgw_budget_in_use", {}, [](double v) { return v == 40; }), 40);
  Connections later;
  for (int i = 0; i < 10; ++i) {
    later.push_back(std::make_unique<HeldConnection>(config_.http_port));
    ASSERT_TRUE(later.back()->connected()) << "later connection " << i;
    later.back()->send_all(get_request("/echo?later=" + std::to_string(i)));
  }
  EXPECT_TRUE(pump_until(
      pointers(later), [&] { return count_status(later, 200) == 10; }, 10s))
      << "served " << count_status(later, 200) << ", refused " << count_refused(later);
  EXPECT_EQ(wait_metric("stgw_budget_in_use", {}, [](double v) { return v == 50; }), 50);
}

// Clients beyond the global cap learn it within a tick (a reset, counted as global_cap) instead
// of hanging in the backlog until their own timeout; the cap freed, new clients are served.
TEST_F(OperationsTest, ClientsBeyondTheGlobalCapAreResetAtOnceAndCounted) {
  ASSERT_TRUE(start_sim());
  OpsConfig config;
  config.budget = "max_client_connections = 3";
  ASSERT_TRUE(start_gateway(config));

  Connections held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<HeldConnection>(config_.http_port));
    ASSERT_TRUE(held.back()->connected()) << "held connection " << i;
    ASSERT_TRUE(held.back()->send_all(get_request("/echo?held=" + std::to_string(i))));
  }
  ASSERT_TRUE(pump_until(
      pointers(held), [&] { return count_status(held, 200) == 3; }, 10s))
      << "held connections served: " << count_status(held, 200);
  ASSERT_EQ(wait_metric("stgw_budget_in_use", {}, [](double v) { return v == 3; }), 3);
  MetricsText before = metrics();
  ASSERT_TRUE(before.parsed) << before.error;
  double rejected_before =
      before.sum("stgw_client_connections_rejected_total", {{"reason", "global_cap"}});

  Connections beyond;
  for (int i = 0; i < 5; ++i) {
    beyond.push_back(std::make_unique<HeldConnection>(config_.http_port));
    ASSERT_TRUE(beyond.back()->connected()) << "connection beyond the cap " << i;
  }
  auto deadline = Clock::now() + 2s;
  for (std::size_t i = 0; i < beyond.size(); ++i)
    EXPECT_TRUE(closed_or_reset_by(*beyond[i], deadline))
        << "connection " << i << " beyond the cap was neither closed nor reset within 2 s";
  EXPECT_GE(wait_metric("stgw_client_connections_rejected_total", {{"reason", "global_cap"}},
                        [&](double v) { return v >= rejected_before + 5; }),
            rejected_before + 5);
  for (const auto& c : held) {
    c->pump();
    EXPECT_FALSE(c->closed()) << "a connection inside the cap was closed";
  }

  for (auto& c : held)
    c->close();
  ASSERT_EQ(wait_metric("stgw_budget_in_use", {}, [](double v) { return v == 0; }), 0);
  EXPECT_TRUE(eventually(
      [&] {
        auto reply = exchange_once(config_.http_port, get_request("/echo?after"), 2s);
        return reply && reply->status == 200;
      },
      5s, 100ms))
      << gateway_log();
}

TEST_F(OperationsTest, PerAddressCapClosesExtraConnectionsWithoutAResponse) {
  ASSERT_TRUE(start_sim());
  OpsConfig config;
  config.budget = "max_connections_per_ip = 5";
  ASSERT_TRUE(start_gateway(config));

  Connections local;
  for (int i = 0; i < 8; ++i) {
    local.push_back(std::make_unique<HeldConnection>(config_.http_port));
    ASSERT_TRUE(local.back()->connected()) << "connection " << i;
    local.back()->send_all(get_request("/echo?c=" + std::to_string(i)));
  }
  // Another client address has its own allowance.
  Connections other;
  other.push_back(std::make_unique<HeldConnection>(config_.http_port, "127.0.0.2"));
  ASSERT_TRUE(other.back()->connected());
  ASSERT_TRUE(other.back()->send_all(get_request("/echo?from=127.0.0.2")));

  auto all = pointers(local);
  all.push_back(other.back().get());
  pump_until(
      all,
      [&] {
        return count_status(local, 200) == 5 && count_refused(local) == 3 &&
               count_status(other, 200) == 1;
      },
      10s);
  EXPECT_EQ(count_status(local, 200), 5);
  EXPECT_EQ(count_refused(local), 3);
  EXPECT_EQ(count_status(other, 200), 1);
  for (const auto& c : local)
    EXPECT_TRUE(answered_status(*c) == 200 || refused(*c)) << "got: " << c->buffer();

  MetricsText m = metrics();
  ASSERT_TRUE(m.parsed) << m.error;
  EXPECT_EQ(m.sum("stgw_client_connections_rejected_total", {{"reason", "ip_cap"}}), 3);
  EXPECT_EQ(m.sum("stgw_client_connections_rejected_total", {{"reason", "global_cap"}}), 0);

  // A slot given back is usable again.
  for (auto& c : local) {
    if (answered_status(*c) == 200) {
      c->close();
      break;
    }
  }
  EXPECT_TRUE(eventually(
      [&] {
        auto reply = exchange_once(config_.http_port, get_request("/echo?again"), 1s);
        return reply && reply->status == 200;
      },
      3s, 100ms));
}

TEST_F(OperationsTest, PerUserConnectionCapGives429WithRetryAfter) {
  ASSERT_TRUE(start_sim());
  OpsConfig config;
  config.sso = make_sso();
  config.budget = "max_connections_per_user = 2";
  config.routes = route("/echo", "auth = \"required\"");
  ASSERT_TRUE(start_gateway(config));
  std::string as_user = "Cookie: LtpaToken2=" + token_for(kUser) + "\r\n";
  std::string as_other = "Cookie: LtpaToken2=" + token_for(kOtherUser) + "\r\n";

  Connections held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<HeldConnection>(config_.http_port));
    HeldConnection& c = *held.back();
    ASSERT_TRUE(c.connected() && c.send_all(get_request("/echo", as_user)));
    pump_until(
        {&c}, [&] { return c.response().has_value(); }, 5s);
    ASSERT_EQ(answered_status(c), 200) << c.buffer();
    c.consume_response();
  }

  HeldConnection third(config_.http_port);
  ASSERT_TRUE(third.connected() && third.send_all(get_request("/echo", as_user)));
  pump_until(
      {&third}, [&] { return third.response().has_value(); }, 5s);
  auto reply = third.response();
  ASSERT_TRUE(reply) << third.buffer();
  EXPECT_EQ(reply->status, 429) << reply->raw;
  EXPECT_EQ(reply->header("content-type"), "application/json");
  EXPECT_EQ(reply->json()["status"], 429) << reply->body;
  EXPECT_EQ(reply->json()["error"], "user_cap") << reply->body;
  std::string retry_after = reply->header("retry-after");
  EXPECT_FALSE(retry_after.empty()) << reply->raw;
  EXPECT_GT(std::atoi(retry_after.c_str()), 0) << retry_after;
  // The connection that was one too many is closed.
  EXPECT_TRUE(pump_until(
      {&third}, [&] { return third.closed(); }, 3s));

  // Another user is not affected, and the held connections keep working.
  auto other = exchange_once(config_.http_port, get_request("/echo", as_other));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200) << other->raw;
  HeldConnection& first = *held.front();
  ASSERT_TRUE(first.send_all(get_request("/echo?second", as_user)));
  pump_until(
      {&first}, [&] { return first.response().has_value(); }, 5s);
  EXPECT_EQ(answered_status(first), 200) << first.buffer();

  // Closing one gives the user a slot back.
  first.close();
  EXPECT_TRUE(eventually(
      [&] {
        auto again = exchange_once(config_.http_port, get_request("/echo", as_user), 1s);
        return again && again->status == 200;
      },
      3s, 100ms));
  MetricsText m = metrics();
  EXPECT_GE(m.sum("stgw_client_connections_rejected_total", {{"reason", "user_cap"}}), 1);
}

TEST_F(OperationsTest, PerUserParkedPollCapGives429WithRetryAfter) {
  ASSERT_TRUE(start_sim());
  OpsConfig config;
  config.sso = make_sso();
  config.budget = "max_parked_per_user = 2";
  config.routes = route("/stwebapi/", "auth = \"required\"\ntimeout = \"90s\"") +
                  route("/echo", "auth = \"required\"");
  ASSERT_TRUE(start_gateway(config));
  std::string as_user = "Cookie: LtpaToken2=" + token_for(kUser) + "\r\n";
  std::string as_other = "Cookie: LtpaToken2=" + token_for(kOtherUser) + "\r\n";

  Connections polls;
  for (int i = 0; i < 2; ++i) {
    polls.push_back(std::make_unique<HeldConnection>(config_.http_port));
    ASSERT_TRUE(polls.back()->connected());
    ASSERT_TRUE(polls.back()->send_all(get_request("/stwebapi/poll?hold=6", as_user)));
  }
  ASSERT_EQ(wait_metric("stgw_parked_requests", {}, [](double v) { return v == 2; }), 2);

  // A third request of the same user while two wait on the backend.
  HeldConnection third(config_.http_port);
  ASSERT_TRUE(third.connected() && third.send_all(get_request("/echo", as_user)));
  pump_until(
      {&third}, [&] { return third.response().has_value(); }, 3s);
  auto reply = third.response();
  ASSERT_TRUE(reply) << third.buffer();
  EXPECT_EQ(reply->status, 429) << reply->raw;
  EXPECT_EQ(reply->json()["error"], "parked_cap") << reply->body;
  EXPECT_GT(std::atoi(reply->header("retry-after").c_str()), 0) << reply->raw;
  third.consume_response();

  // Another user's request goes through meanwhile.
  auto other = exchange_once(config_.http_port, get_request("/echo", as_other));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200) << other->raw;

  // The polls complete, then the user may wait on the backend again (same connection).
  auto all = pointers(polls);
  EXPECT_TRUE(pump_until(
      all, [&] { return count_status(polls, 200) == 2; }, 10s));
  EXPECT_EQ(polls[0]->response() ? polls[0]->response()->body : "", R"({"events":[]})");
  ASSERT_TRUE(third.send_all(get_request("/echo?after", as_user)));
  pump_until(
      {&third}, [&] { return third.response().has_value(); }, 5s);
  EXPECT_EQ(answered_status(third), 200) << third.buffer();
  EXPECT_EQ(metrics().sum("stgw_client_connections_rejected_total", {{"reason", "parked_cap"}}), 1);
}

// ---------------------------------------------------------------------------------------------
// Metrics and health

TEST_F(OperationsTest, MetricsExposeEveryFamilyAndCountTraffic) {
  ASSERT_TRUE(start_sim());
  OpsConfig config;
  config.sso = make_sso();
  config.https_port = 1;
  config.https_cert = make_self_signed(dir_, "st.example.test");
  config.routes = route("/echo", "auth = \"required\"") + route("/");
  ASSERT_TRUE(start_gateway(config));
  std::string token = token_for(kUser);

  MetricsText before = metrics();
  ASSERT_TRUE(before.parsed) << before.error;

  std::vector<std::string> with_token = {"-H", "Cookie: LtpaToken2=" + token};
  for (int i = 0; i < 3; ++i) {
    auto args = with_token;
    args.push_back(url("/echo"));
    EXPECT_EQ(curl(args).status, 200);
  }
  auto https_args = with_token;
  https_args.insert(https_args.end(), {"-k", https_url("/echo")});
  EXPECT_EQ(curl(https_args).status, 200);
  std::string bad = token;
  bad[bad.size() / 2] = bad[bad.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(curl({"-H", "Cookie: LtpaToken2=" + bad, url("/echo")}).status, 401);
  EXPECT_EQ(curl({url("/echo")}).status, 401);
  {
    // Cleartext to the TLS port: a failed handshake.
    RawClient plain(config_.https_port);
    ASSERT_TRUE(plain.connected());
    plain.send_all("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    plain.read_to_eof(3s);
  }

  std::map<std::string, std::string> echo_200 = {{"route", "/echo"}, {"code", "200"}};
  double before_200 = before.sum("stgw_requests_total", echo_200);
  wait_metric("stgw_requests_total", echo_200, [&](double v) { return v >= before_200 + 4; });
  wait_metric("stgw_tls_handshakes_total", {{"result", "error"}}, [](double v) { return v >= 1; });
  MetricsText after = metrics();
  ASSERT_TRUE(after.parsed) << after.error;

  for (std::string family :
       {"stgw_requests_total", "stgw_request_duration_seconds", "stgw_client_connections",
        "stgw_client_connections_rejected_total", "stgw_parked_requests",
        "stgw_backend_connections", "stgw_backend_errors_total", "stgw_ltpa_validations_total",
        "stgw_ltpa_cache_hits_total", "stgw_ltpa_cache_misses_total", "stgw_tls_handshakes_total",
        "stgw_budget_capacity", "stgw_budget_in_use", "stgw_config_reloads_total",
        "stgw_build_info"})
    EXPECT_TRUE(after.has_family(family)) << family << " missing";
  EXPECT_EQ(after.types["stgw_request_duration_seconds"], "histogram");
  EXPECT_EQ(after.types["stgw_requests_total"], "counter");
  EXPECT_EQ(after.types["stgw_budget_in_use"], "gauge");

  auto delta = [&](const std::string& name, const std::map<std::string, std::string>& labels) {
    return after.sum(name, labels) - before.sum(name, labels);
  };
  EXPECT_EQ(delta("stgw_requests_total", echo_200), 4);
  EXPECT_EQ(delta("stgw_requests_total", {{"route", "/echo"}, {"code", "401"}}), 2);
  EXPECT_EQ(after.count("stgw_requests_total", {{"route", "/echo"}, {"product", "other"}}), 2)
      << "requests_total carries the product label";
  EXPECT_EQ(delta("stgw_request_duration_seconds_count", {{"route", "/echo"}}), 6);
  EXPECT_EQ(delta("stgw_ltpa_validations_total", {{"format", "ltpa2"}, {"result", "valid"}}), 4);
  EXPECT_EQ(delta("stgw_ltpa_validations_total", {{"result", "invalid"}}), 1);
  EXPECT_EQ(delta("stgw_ltpa_validations_total", {{"result", "missing"}}), 1);
  // Each worker has its own cache: with two workers at most two of the four valid checks
  // (and the tampered one) need the cryptography.
  EXPECT_GE(delta("stgw_ltpa_cache_hits_total", {}), 2);
  EXPECT_GE(delta("stgw_ltpa_cache_misses_total", {}), 1);
  EXPECT_LE(delta("stgw_ltpa_cache_misses_total", {}), 3);
  EXPECT_EQ(delta("stgw_tls_handshakes_total", {{"listener", "https"}, {"result", "ok"}}), 1);
  EXPECT_EQ(delta("stgw_tls_handshakes_total", {{"listener", "https"}, {"result", "error"}}), 1);
  EXPECT_GT(after.sum("stgw_budget_capacity"), 0);
  EXPECT_GE(after.sum("stgw_budget_in_use"), 0);
  EXPECT_EQ(after.sum("stgw_config_reloads_total"), 0);
  EXPECT_EQ(after.count("stgw_config_reloads_total", {{"result", "error"}}), 1);
  EXPECT_GT(after.count("stgw_backend_connections", {{"backend", "stps"}}), 0u);
  EXPECT_EQ(after.count("stgw_build_info"), 1);
  EXPECT_EQ(after.sum("stgw_build_info"), 1);

  // Labels stay bounded: never a user or a client address.
  for (const auto& sample : after.samples) {
    for (const auto& [key, value] : sample.labels) {
      EXPECT_NE(key, "user") << sample.name;
      EXPECT_NE(key, "client") << sample.name;
      EXPECT_EQ(value.find("jdoe"), std::string::npos) << sample.name << " " << key;
      if (key != "server") {
        EXPECT_EQ(value.find("127.0.0.1"), std::string::npos) << sample.name << " " << key;
      }
    }
  }
}

TEST_F(OperationsTest, ReadyzTurnsUnreadyWhenTheOnlyBackendDiesAndReadyWhenItReturns) {
  ASSERT_TRUE(start_sim());
  std::uint16_t backend_port = sim_->port();
  OpsConfig config;
  config.backend_extra =
      "health_check = { path = \"/\", interval = \"200ms\", timeout = \"200ms\" }";
  ASSERT_TRUE(start_gateway(config));
  auto readyz = [&] { return curl({admin_url("/readyz")}, 5s); };

  EXPECT_TRUE(eventually([&] { return readyz().status == 200; }, 3s)) << readyz().raw;
  EXPECT_EQ(curl({admin_url("/healthz")}).status, 200);

  sim_->process().kill_now();
  EXPECT_TRUE(eventually([&] { return readyz().status == 503; }, 3s)) << readyz().raw;
  HttpReply unready = readyz();
  EXPECT_EQ(unready.status, 503);
  EXPECT_NE(unready.body.find("stps"), std::string::npos) << "names the backend: " << unready.body;
  EXPECT_EQ(curl({admin_url("/healthz")}).status, 200) << "alive while unready";

  // The backend returns on the same port.
  Process again({stps_sim_binary(), "--listen", "127.0.0.1:" + std::to_string(backend_port)},
                dir_.path(), "stps-sim-again", "stps-sim listening on ");
  ASSERT_TRUE(again.started()) << again.stderr_text();
  EXPECT_TRUE(eventually([&] { return readyz().status == 200; }, 3s)) << readyz().raw;
  EXPECT_EQ(curl({url("/echo")}).status, 200);
}

// ---------------------------------------------------------------------------------------------
// Access log

TEST_F(OperationsTest, AccessLogLinesAreJsonWithTheFieldsAndNeverTheCookie) {
  ASSERT_TRUE(start_sim());
  OpsConfig config;
  config.sso = make_sso();
  std::string log_path = dir_.file("access.log");
  config.access_log = "path = \"" + log_path + "\"\nflush_interval = \"200ms\"";
  config.routes = route("/echo", "auth = \"required\"") +
                  route("/stwebapi/", "auth = \"required\"") + route("/");
  ASSERT_TRUE(start_gateway(config));
  std::string token = token_for(kUser);
  std::string bad = token;
  bad[bad.size() / 2] = bad[bad.size() / 2] == 'A' ? 'B' : 'A';

  EXPECT_EQ(curl({"-H", "Cookie: LtpaToken2=" + token, url("/echo?secretquery=1")}).status, 200);
  EXPECT_EQ(curl({"-H", "Cookie: LtpaToken2=" + bad, url("/echo")}).status, 401);
  EXPECT_EQ(curl({"-H", "Cookie: LtpaToken2=" + token, url("/stwebapi/poll?hold=0.3")}).status,
            200);
  EXPECT_EQ(curl({"-d", "hello", url("/stbaseapi/baseComps.js")}).status, 405);

  std::vector<std::string> lines;
  EXPECT_TRUE(eventually(
      [&] {
        lines = lines_of(read_file(log_path));
        return lines.size() >= 4;
      },
      5s));
  ASSERT_EQ(lines.size(), 4u) << read_file(log_path);

  std::vector<nlohmann::json> records;
  for (const auto& line : lines) {
    EXPECT_EQ(line.find(token), std::string::npos) << "token in the log";
    EXPECT_EQ(line.find(bad), std::string::npos) << "token in the log";
    EXPECT_EQ(line.find("LtpaToken"), std::string::npos) << line;
    EXPECT_EQ(line.find("secretquery"), std::string::npos) << "query logged: " << line;
    nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(record.is_object()) << line;
    for (std::string field :
         {"time", "client", "method", "path", "status", "bytes_in", "bytes_out", "duration_ms",
          "route", "backend", "server", "user", "token_format", "tls", "parked", "error"})
      EXPECT_TRUE(record.contains(field)) << field << " missing: " << line;
    records.push_back(record);
  }
  auto find = [&](std::string_view path, int status) -> nlohmann::json {
    for (const auto& r : records)
      if (r["path"] == path && r["status"] == status)
        return r;
    ADD_FAILURE() << "no line for " << path << " " << status;
    return nlohmann::json::object();
  };
  std::regex iso_time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)");

  nlohmann::json ok = find("/echo", 200);
  EXPECT_TRUE(std::regex_match(ok.value("time", ""), iso_time)) << ok.dump();
  EXPECT_NE(ok.value("client", "").find("127.0.0.1"), std::string::npos) << ok.dump();
  EXPECT_EQ(ok["method"], "GET");
  EXPECT_EQ(ok["route"], "/echo");
  EXPECT_EQ(ok["backend"], "stps");
  EXPECT_EQ(ok["server"], sim_->address());
  EXPECT_EQ(ok["user"], kUser);
  EXPECT_EQ(ok["token_format"], "ltpa2");
  EXPECT_EQ(ok["tls"], nullptr) << "cleartext has no TLS version";
  EXPECT_TRUE(ok["parked"].is_boolean());
  EXPECT_EQ(ok["error"], nullptr);
  EXPECT_GT(ok.value("bytes_out", 0), 0);
  EXPECT_TRUE(ok["duration_ms"].is_number());

  nlohmann::json refused = find("/echo", 401);
  EXPECT_EQ(refused["user"], nullptr) << refused.dump();
  EXPECT_EQ(refused["parked"], false);
  EXPECT_EQ(refused["error"], "unauthenticated") << refused.dump();

  nlohmann::json poll = find("/stwebapi/poll", 200);
  EXPECT_EQ(poll["parked"], true) << poll.dump();
  EXPECT_GE(poll.value("duration_ms", 0.0), 250.0) << poll.dump();
  EXPECT_EQ(poll["user"], kUser);

  nlohmann::json post = find("/stbaseapi/baseComps.js", 405);
  EXPECT_EQ(post["method"], "POST");
  EXPECT_EQ(post["bytes_in"], 5) << post.dump();
}

TEST_F(OperationsTest, AccessLogIsReopenedOnSigusr1AfterARename) {
  ASSERT_TRUE(start_sim());
  OpsConfig config;
  std::string log_path = dir_.file("access.log");
  std::string rotated = dir_.file("access.log.1");
  config.access_log = "path = \"" + log_path + "\"\nflush_interval = \"200ms\"";
  ASSERT_TRUE(start_gateway(config));
  auto has_path = [](const std::string& file, std::string_view path) {
    for (const auto& line : lines_of(read_file(file))) {
      nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
      EXPECT_TRUE(record.is_object()) << line;
      if (record.is_object() && record["path"] == path)
        return true;
    }
    return false;
  };

  EXPECT_EQ(curl({url("/echo/before")}).status, 200);
  ASSERT_TRUE(eventually([&] { return has_path(log_path, "/echo/before"); }, 5s));
  std::filesystem::rename(log_path, rotated);
  gateway_->process().send_signal(SIGUSR1);
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(log_path); }, 3s))
      << "SIGUSR1 did not create a new file";

  EXPECT_EQ(curl({url("/echo/after")}).status, 200);
  EXPECT_TRUE(eventually([&] { return has_path(log_path, "/echo/after"); }, 5s))
      << read_file(log_path);
  EXPECT_FALSE(has_path(rotated, "/echo/after"));
  EXPECT_TRUE(has_path(rotated, "/echo/before"));
  EXPECT_FALSE(has_path(log_path, "/echo/before"));
}

// ---------------------------------------------------------------------------------------------
// Reload

TEST_F(OperationsTest, ReloadDuringALongPollLetsThePollFinishAndAddsTheNewRoute) {
  ASSERT_TRUE(start_sim());
  OpsConfig config;
  config.routes = route("/stwebapi/", "timeout = \"90s\"");
  ASSERT_TRUE(start_gateway(config));
  EXPECT_EQ(curl({url("/echo")}).status, 404) << "no route for /echo yet";

  HeldConnection poll(config_.http_port);
  ASSERT_TRUE(poll.connected());
  ASSERT_TRUE(poll.send_all(get_request("/stwebapi/poll?hold=6")));
  auto sent = Clock::now();
  ASSERT_EQ(wait_metric("stgw_parked_requests", {}, [](double v) { return v == 1; }), 1);

  OpsConfig next = config_;
  next.routes = route("/stwebapi/", "timeout = \"90s\"") + route("/echo");
  std::uint16_t new_port = free_port();
  next.extra_listeners =
      "[[listener]]\nname = \"added\"\naddress = \"127.0.0.1:" + std::to_string(new_port) + "\"\n";
  reload_with(ops_config_toml(next));

  EXPECT_TRUE(eventually([&] { return curl({url("/echo")}).status == 200; }, 3s)) << gateway_log();
  EXPECT_EQ(
      wait_metric("stgw_config_reloads_total", {{"result", "ok"}}, [](double v) { return v == 1; }),
      1);
  EXPECT_EQ(curl({"http://127.0.0.1:" + std::to_string(new_port) + "/echo"}).status, 200)
      << "listener added by the reload";
  poll.pump();
  ASSERT_FALSE(poll.response()) << "the poll ended before the reload took effect";

  // The poll parked before the reload completes normally.
  EXPECT_TRUE(pump_until(
      {&poll}, [&] { return poll.response().has_value(); }, 10s));
  auto took = Clock::now() - sent;
  ASSERT_TRUE(poll.response()) << poll.buffer();
  EXPECT_EQ(poll.response()->status, 200) << poll.buffer();
  EXPECT_EQ(poll.response()->body, R"({"events":[]})");
  EXPECT_GE(took, 5500ms);
}

TEST_F(OperationsTest, BrokenConfigOnReloadKeepsTheOldConfigAndCountsTheError) {
  ASSERT_TRUE(start_sim());
  OpsConfig config;
  config.routes = route("/echo");
  ASSERT_TRUE(start_gateway(config));
  ASSERT_EQ(curl({url("/echo")}).status, 200);

  // Valid TOML, invalid config: a route to a backend that does not exist, a bare number.
  OpsConfig broken = config_;
  broken.routes = "[[route]]\nprefix = \"/other\"\nbackend = \"nowhere\"\ntimeout = 5\n";
  reload_with(ops_config_toml(broken));
  EXPECT_EQ(wait_metric("stgw_config_reloads_total", {{"result", "error"}},
                        [](double v) { return v >= 1; }),
            1);
  EXPECT_EQ(curl({url("/echo")}).status, 200) << "the old route table is still in force";
  EXPECT_TRUE(gateway_->process().running());

  // Not TOML at all.
  reload_with("[server\nworkers = = 2\n");
  EXPECT_EQ(wait_metric("stgw_config_reloads_total", {{"result", "error"}},
                        [](double v) { return v >= 2; }),
            2);
  EXPECT_EQ(curl({url("/echo")}).status, 200);
  MetricsText m = metrics();
  EXPECT_EQ(m.sum("stgw_config_reloads_total", {{"result", "ok"}}), 0);
  EXPECT_NE(gateway_log().find("reload"), std::string::npos) << "errors are logged";
}

// ---------------------------------------------------------------------------------------------
// Descriptor budget at start-up

TEST_F(OperationsTest, CapacityAboveTheDescriptorLimitRefusesToStartNamingLimitsConf) {
  OpsConfig config;
  config.http_port = free_port();
  config.backend_address = "127.0.0.1:9";
  config.budget = "max_client_connections = 1000";
  std::string path = dir_.write("nofile.toml", ops_config_toml(config));

  NofileRun run = run_stgw_with_nofile(dir_, path, 200, 200, 20s);
  ASSERT_TRUE(run.exit_code.has_value()) << "still running; stderr:\n" << run.err;
  EXPECT_EQ(sanitizer_findings(run.err), "");
  EXPECT_EQ(*run.exit_code, 1) << run.err;
  EXPECT_FALSE(run.ready);
  EXPECT_NE(run.err.find("1000"), std::string::npos) << run.err;
  EXPECT_TRUE(std::regex_search(run.err, std::regex(R"(\b200\b)")))
      << "names the limit: " << run.err;
  EXPECT_NE(run.err.find("/etc/security/limits.conf"), std::string::npos) << run.err;
  std::smatch soft, hard;
  ASSERT_TRUE(std::regex_search(run.err, soft, std::regex(R"(soft\s+nofile\s+(\d+))"))) << run.err;
  ASSERT_TRUE(std::regex_search(run.err, hard, std::regex(R"(hard\s+nofile\s+(\d+))"))) << run.err;
  EXPECT_EQ(soft[1], hard[1]);
  // Two descriptors per proxied client at least.
  EXPECT_GE(std::stol(soft[1]), 2000) << run.err;
  // Nothing was bound.
  RawClient probe(config.http_port);
  EXPECT_FALSE(probe.connected());
}

TEST_F(OperationsTest, SoftDescriptorLimitIsRaisedToTheHardOne) {
  OpsConfig config;
  config.http_port = free_port();
  config.backend_address = "127.0.0.1:9";
  std::string path = dir_.write("nofile.toml", ops_config_toml(config));

  NofileRun run = run_stgw_with_nofile(dir_, path, 100, 300, 20s);
  EXPECT_EQ(sanitizer_findings(run.err), "");
  ASSERT_TRUE(run.ready) << "exit " << (run.exit_code ? *run.exit_code : -1) << "\n" << run.err;
  EXPECT_NE(run.err.find("descriptor budget: nofile 300 (hard 300)"), std::string::npos) << run.err;
  EXPECT_EQ(run.soft_limit_seen, 300);
}

} // namespace
} // namespace stgw::itest
