// net::Listener on a loopback socket: refuse_pending() resets the clients waiting in a paused
// listener's backlog, at most |max| per call, and leaves the backlog of an accepting listener to
// libevent.

#include "gateway/net/listener.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace stgw::net {
namespace {

using namespace std::chrono_literals;

struct ClosingCallbacks final : ListenerCallbacks {
  int accepted = 0;
  void on_accept(int fd, const SocketAddress&) override {
    ++accepted;
    ::close(fd);
  }
};

// A blocking loopback client; the kernel completes the handshake while nobody accepts.
int connect_client(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(static_cast<std::uint16_t>(port));
  target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// True when the peer reset |fd| (recv fails with ECONNRESET) within a second.
bool was_reset(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 1000) != 1)
    return false;
  char byte = 0;
  return ::recv(fd, &byte, 1, MSG_DONTWAIT) < 0 && errno == ECONNRESET;
}

class ListenerTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto address = resolve({"127.0.0.1", 0});
    ASSERT_TRUE(address.has_value()) << address.error();
    auto listener = Listener::open(base_.get(), *address, callbacks_);
    ASSERT_TRUE(listener.has_value()) << listener.error();
    listener_ = std::move(*listener);
  }
  void TearDown() override {
    for (int fd : clients_)
      ::close(fd);
  }
  void connect_clients(int count) {
    for (int i = 0; i < count; ++i) {
      clients_.push_back(connect_client(listener_->port()));
      ASSERT_GE(clients_.back(), 0) << "client " << i;
    }
  }

  EventBasePtr base_{event_base_new()};
  ClosingCallbacks callbacks_;
  std::unique_ptr<Listener> listener_;
  std::vector<int> clients_;
};

TEST_F(ListenerTest, PausedListenerResetsWaitingClientsAtMostMaxPerCall) {
  listener_->pause();
  connect_clients(5);
  std::size_t refused = 0;
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (refused < 5 && std::chrono::steady_clock::now() < deadline) {
    std::size_t now = listener_->refuse_pending(2);
    EXPECT_LE(now, 2u);
    refused += now;
    if (now == 0)
      std::this_thread::sleep_for(10ms); // a handshake the kernel has not queued yet
  }
  EXPECT_EQ(refused, 5u);
  EXPECT_EQ(listener_->refuse_pending(2), 0u) << "the backlog is empty";
  for (std::size_t i = 0; i < clients_.size(); ++i)
    EXPECT_TRUE(was_reset(clients_[i])) << "client " << i;
  EXPECT_EQ(callbacks_.accepted, 0);
}

TEST_F(ListenerTest, AcceptingListenerRefusesNothingAndAcceptsAfterResume) {
  connect_clients(1);
  EXPECT_EQ(listener_->refuse_pending(64), 0u);
  listener_->pause();
  listener_->resume();
  event_base_loop(base_.get(), EVLOOP_NONBLOCK);
  for (int i = 0; i < 100 && callbacks_.accepted == 0; ++i) {
    std::this_thread::sleep_for(10ms);
    event_base_loop(base_.get(), EVLOOP_NONBLOCK);
  }
  EXPECT_EQ(callbacks_.accepted, 1);
}

} // namespace
} // namespace stgw::net
