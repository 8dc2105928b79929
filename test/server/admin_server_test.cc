#include "gateway/server/admin_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <thread>

#include <event2/event.h>
#include <event2/thread.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gateway/server/metrics.h"
#include "test/server/server_test_support.h"

namespace stgw::server {
namespace {

struct Response {
  int status = 0;
  std::string head;
  std::string body;
};

// One request over a fresh loopback connection, read until the server closes it.
Response fetch(std::uint16_t port, const std::string& request) {
  Response response;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval timeout{10, 0}; // a hang fails the test instead of blocking ctest
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    ADD_FAILURE() << "connect failed";
    return response;
  }
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string raw;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;)
    raw.append(buffer, n);
  ::close(fd);
  auto end_of_head = raw.find("\r\n\r\n");
  if (end_of_head == std::string::npos || raw.size() < 12) {
    ADD_FAILURE() << "no response head: " << raw;
    return response;
  }
  response.head = raw.substr(0, end_of_head);
  response.body = raw.substr(end_of_head + 4);
  response.status = std::stoi(raw.substr(9, 3));
  return response;
}

// Stops a loop running in another thread. event_base_loopbreak() alone would be lost if the loop
// had not started yet (event_base_loop() clears the flag on entry); a zero timer is not.
void stop_loop(event_base* base) {
  timeval now{0, 0};
  event_base_once(
      base, -1, EV_TIMEOUT,
      [](evutil_socket_t, short, void* arg) {
        event_base_loopbreak(static_cast<event_base*>(arg));
      },
      base, &now);
}

Response get(std::uint16_t port, const std::string& path, const std::string& method = "GET") {
  return fetch(port,
               method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
}

// A private event_base running in its own thread with an admin server on a kernel-chosen port.
class AdminServerTest : public ::testing::Test {
protected:
  void SetUp() override {
    evthread_use_pthreads();
    base_ = event_base_new();
    ASSERT_NE(base_, nullptr);
    AdminCallbacks callbacks;
    callbacks.metrics = [this] { return metrics_.serialize(); };
    callbacks.not_ready_reason = [this]() -> std::optional<std::string> {
      std::lock_guard lock(mutex_);
      return not_ready_;
    };
    auto server = AdminServer::start(base_, {"127.0.0.1", 0}, std::move(callbacks));
    ASSERT_TRUE(server.has_value()) << server.error();
    server_ = std::move(*server);
    ASSERT_NE(server_->port(), 0);
    thread_ = std::thread([this] { event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY); });
  }

  void TearDown() override {
    if (thread_.joinable()) {
      stop_loop(base_);
      thread_.join();
    }
    server_.reset();
    if (base_ != nullptr)
      event_base_free(base_);
  }

  void set_not_ready(std::optional<std::string> reason) {
    std::lock_guard lock(mutex_);
    not_ready_ = std::move(reason);
  }

  Metrics metrics_{config::GatewayConfig{}};
  event_base* base_ = nullptr;
  std::unique_ptr<AdminServer> server_;
  std::thread thread_;
  std::mutex mutex_;
  std::optional<std::string> not_ready_;
};

TEST_F(AdminServerTest, ServesMetricsInPrometheusTextFormat) {
  auto response = get(server_->port(), "/metrics");
  EXPECT_EQ(response.status, 200);
  EXPECT_NE(response.head.find("Content-Type: text/plain; version=0.0.4"), std::string::npos)
      << response.head;
  auto samples = test::parse_exposition(response.body);
  EXPECT_EQ(test::sample_value(samples, "stgw_build_info", {{"version", STGW_VERSION}}), 1);
  EXPECT_NE(response.body.find("# TYPE stgw_config_reloads_total counter"), std::string::npos);
}

TEST_F(AdminServerTest, MetricsMoveBetweenScrapes) {
  metrics_.count_reload(false);
  auto first = test::parse_exposition(get(server_->port(), "/metrics").body);
  metrics_.count_reload(false);
  auto second = test::parse_exposition(get(server_->port(), "/metrics?x=1").body);
  EXPECT_EQ(test::sample_value(first, "stgw_config_reloads_total", {{"result", "error"}}), 1);
  EXPECT_EQ(test::sample_value(second, "stgw_config_reloads_total", {{"result", "error"}}), 2);
}

TEST_F(AdminServerTest, HealthzIsAlwaysOk) {
  set_not_ready("draining");
  auto response = get(server_->port(), "/healthz");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "ok\n");
}

TEST_F(AdminServerTest, ReadyzFollowsTheCallback) {
  auto ready = get(server_->port(), "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(nlohmann::json::parse(ready.body)["ready"], true);

  set_not_ready("no healthy server in backend \"stps\"");
  auto not_ready = get(server_->port(), "/readyz");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_NE(not_ready.head.find("Content-Type: application/json"), std::string::npos);
  auto body = nlohmann::json::parse(not_ready.body);
  EXPECT_EQ(body["ready"], false);
  EXPECT_EQ(body["reason"], "no healthy server in backend \"stps\"");

  set_not_ready(std::nullopt);
  EXPECT_EQ(get(server_->port(), "/readyz").status, 200);
}

TEST_F(AdminServerTest, UnknownPathsAre404AndOtherMethods405) {
  EXPECT_EQ(get(server_->port(), "/").status, 404);
  EXPECT_EQ(get(server_->port(), "/metrics/extra").status, 404);
  EXPECT_EQ(get(server_->port(), "/../metrics").status, 404);
  auto post = get(server_->port(), "/metrics", "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.head.find("Allow: GET, HEAD"), std::string::npos);
}

TEST_F(AdminServerTest, HeadHasNoBody) {
  auto response = get(server_->port(), "/healthz", "HEAD");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "");
}

TEST_F(AdminServerTest, GarbageGetsAnErrorNotACrash) {
  auto response = fetch(server_->port(), "\x01\x02 nonsense\r\n\r\n");
  EXPECT_EQ(response.status, 400);
  auto huge =
      fetch(server_->port(), "GET /metrics HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_GE(huge.status, 400);
  EXPECT_EQ(get(server_->port(), "/healthz").status, 200);
}

TEST_F(AdminServerTest, SecondServerOnTheSamePortReportsTheAddress) {
  event_base* other = event_base_new();
  auto second = AdminServer::start(other, {"127.0.0.1", server_->port()}, {});
  ASSERT_FALSE(second.has_value());
  EXPECT_NE(second.error().find("127.0.0.1:" + std::to_string(server_->port())), std::string::npos)
      << second.error();
  EXPECT_NE(second.error().find("in use"), std::string::npos) << second.error();
  event_base_free(other);
}

TEST(AdminServerStandaloneTest, ThrowingCallbackGives500) {
  evthread_use_pthreads();
  event_base* base = event_base_new();
  AdminCallbacks callbacks;
  callbacks.metrics = []() -> std::string { throw std::runtime_error("boom"); };
  auto server = AdminServer::start(base, {"127.0.0.1", 0}, std::move(callbacks));
  ASSERT_TRUE(server.has_value()) << server.error();
  std::thread loop([base] { event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY); });
  auto response = get((*server)->port(), "/metrics");
  auto health = get((*server)->port(), "/healthz");
  stop_loop(base);
  loop.join();
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(health.status, 200) << "the server lives on";
  server->reset();
  event_base_free(base);
}

} // namespace
} // namespace stgw::server
