// net::Stream over real sockets on one event loop: socket pairs for the cleartext behaviours,
// a loopback listener for connect, and an in-memory certificate for TLS both ways.

#include "gateway/net/stream.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <string>

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/evperr.h>
#include <openssl/x509.h>

namespace stgw::net {
namespace {

// Records what a stream reports; |on_read| decides how much input to consume.
struct Recorder {
  std::string received;
  short events = 0;
  int drained = 0;
  std::function<std::size_t(std::string_view)> consume = [](std::string_view in) {
    return in.size();
  };
  std::function<void()> after_read;
  std::function<void()> after_event;

  // |kInputLimit|: the handler's input limit (0 = none).
  template <std::size_t kInputLimit = 0> void attach(Stream& stream) {
    static constexpr StreamHandler kHandler{
        [](Stream& s, void* arg) {
          auto* self = static_cast<Recorder*>(arg);
          std::string_view in = s.input();
          std::size_t used = self->consume(in);
          self->received.append(in.substr(0, used));
          s.consume(used);
          if (self->after_read)
            self->after_read();
        },
        [](Stream&, void* arg) { ++static_cast<Recorder*>(arg)->drained; },
        [](Stream&, short events, void* arg) {
          auto* self = static_cast<Recorder*>(arg);
          self->events |= events;
          if (self->after_event)
            self->after_event();
        },
        kInputLimit, 0};
    stream.set_handler(kHandler, this);
  }
};

class StreamTest : public ::testing::Test {
protected:
  StreamTest() : base_(event_base_new()), loop_(std::make_unique<IoLoop>(base_.get())) {}
  ~StreamTest() override {
    streams_.clear();
    loop_.reset();
  }

  // A connected pair: [0] wrapped in a Stream by the test, [1] a plain blocking-free peer fd.
  std::pair<int, int> socket_pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    peers_.push_back(fds[1]);
    return {fds[0], fds[1]};
  }

  // Runs the loop until |done| or 3 s pass (the bound keeps a broken stream from hanging).
  void run_until(const std::function<bool()>& done) {
    for (int i = 0; i < 300 && !done(); ++i) {
      timeval tick{0, 10 * 1000};
      event_base_loopexit(base_.get(), &tick);
      event_base_dispatch(base_.get());
    }
  }

  // Runs a few loop passes (about 200 ms) for "nothing more happens" checks.
  void run_a_while() {
    int passes = 0;
    run_until([&] { return ++passes > 20; });
  }

  static std::string read_all_now(int fd) {
    std::string out;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0)
      out.append(buffer, static_cast<std::size_t>(n));
    return out;
  }

  void TearDown() override {
    for (int fd : peers_)
      ::close(fd);
  }

  EventBasePtr base_;
  std::unique_ptr<IoLoop> loop_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::vector<int> peers_;
};

TEST_F(StreamTest, WritesOfOnePassLeaveInOneSend) {
  auto [fd, peer] = socket_pair();
  auto stream = Stream::accept(*loop_, fd, nullptr);
  Recorder recorder;
  recorder.attach(*stream);
  stream->write("HTTP/1.1 200 OK\r\n");
  stream->write("\r\n");
  stream->write("body");
  EXPECT_EQ(stream->output_length(), 23u); // nothing sent before the loop runs
  EXPECT_EQ(read_all_now(peer), "");
  run_until([&] { return stream->output_length() == 0; });
  EXPECT_EQ(read_all_now(peer), "HTTP/1.1 200 OK\r\n\r\nbody");
  EXPECT_EQ(recorder.drained, 1);
}

TEST_F(StreamTest, UnconsumedInputIsKeptForLater) {
  auto [fd, peer] = socket_pair();
  auto stream = Stream::accept(*loop_, fd, nullptr);
  Recorder recorder;
  recorder.consume = [](std::string_view in) { return std::min<std::size_t>(in.size(), 3); };
  recorder.attach(*stream);
  ASSERT_EQ(::write(peer, "abcdefgh", 8), 8);
  run_until([&] { return !recorder.received.empty(); });
  EXPECT_EQ(recorder.received, "abc");
  EXPECT_EQ(stream->input(), "defgh"); // kept after the callback returned
  ASSERT_EQ(::write(peer, "ij", 2), 2);
  run_until([&] { return recorder.received.size() >= 6; });
  EXPECT_EQ(recorder.received, "abcdef");
  EXPECT_EQ(stream->input(), "ghij");
  stream->consume(4);
  EXPECT_EQ(stream->input(), "");
}

TEST_F(StreamTest, ReadingPausesAtTheInputLimitAndResumes) {
  auto [fd, peer] = socket_pair();
  auto stream = Stream::accept(*loop_, fd, nullptr);
  Recorder recorder;
  int reads = 0;
  recorder.consume = [&](std::string_view) {
    ++reads;
    return std::size_t{0};
  };
  recorder.attach<4>(*stream);
  ASSERT_EQ(::write(peer, "0123456789", 10), 10);
  run_until([&] { return reads > 0; });
  ASSERT_EQ(::write(peer, "more", 4), 4);
  run_a_while(); // nothing more may be read
  EXPECT_EQ(reads, 1);
  EXPECT_EQ(stream->input(), "0123456789");
  stream->consume(10); // below the limit: reading resumes
  recorder.consume = [](std::string_view in) { return in.size(); };
  run_until([&] { return recorder.received == "more"; });
  EXPECT_EQ(recorder.received, "more");
}

TEST_F(StreamTest, PeerCloseIsAnEofEvent) {
  auto [fd, peer] = socket_pair();
  auto stream = Stream::accept(*loop_, fd, nullptr);
  Recorder recorder;
  recorder.attach(*stream);
  ASSERT_EQ(::write(peer, "last", 4), 4);
  ::shutdown(peer, SHUT_WR);
  run_until([&] { return recorder.events != 0; });
  EXPECT_EQ(recorder.received, "last");
  EXPECT_EQ(recorder.events, kStreamEof | kStreamReading);
}

TEST(StreamTimeoutTest, KeepsWholeMillisecondsRoundingUpAndCapsAtAboutFortyNineDays) {
  EXPECT_FALSE(StreamTimeout().set());
  EXPECT_FALSE(StreamTimeout(nullptr).set());
  timeval poll_hold{700, 0};
  timeval kept = StreamTimeout(&poll_hold).value();
  EXPECT_EQ(kept.tv_sec, 700);
  EXPECT_EQ(kept.tv_usec, 0);
  timeval fraction{1, 1}; // never fires early: 1.000001 s becomes 1.001 s
  kept = StreamTimeout(&fraction).value();
  EXPECT_EQ(kept.tv_sec, 1);
  EXPECT_EQ(kept.tv_usec, 1000);
  timeval zero{0, 0};
  EXPECT_TRUE(StreamTimeout(&zero).set());
  EXPECT_EQ(StreamTimeout(&zero).value().tv_sec, 0);
  timeval huge{100LL * 24 * 3600, 0};
  EXPECT_TRUE(StreamTimeout(&huge).set());
  EXPECT_EQ(StreamTimeout(&huge).value().tv_sec, (UINT32_MAX - 1) / 1000);
  EXPECT_EQ(StreamTimeout(&poll_hold), StreamTimeout(&poll_hold));
  EXPECT_NE(StreamTimeout(&poll_hold), StreamTimeout(&fraction));
}

TEST_F(StreamTest, ReadTimeoutIsReported) {
  auto [fd, peer] = socket_pair();
  auto stream = Stream::accept(*loop_, fd, nullptr);
  Recorder recorder;
  recorder.attach(*stream);
  timeval timeout{0, 50 * 1000};
  stream->set_timeouts(&timeout, nullptr);
  run_until([&] { return recorder.events != 0; });
  EXPECT_EQ(recorder.events, kStreamTimeout | kStreamReading);
}

TEST_F(StreamTest, RemovingTheReadTimeoutKeepsTheStreamQuiet) {
  auto [fd, peer] = socket_pair();
  auto stream = Stream::accept(*loop_, fd, nullptr);
  Recorder recorder;
  recorder.attach(*stream);
  timeval timeout{0, 50 * 1000};
  stream->set_timeouts(&timeout, nullptr);
  stream->set_timeouts(nullptr, nullptr);
  run_a_while(); // longer than the removed timeout
  EXPECT_EQ(recorder.events, 0);
  ASSERT_EQ(::write(peer, "x", 1), 1); // and it still reads
  run_until([&] { return !recorder.received.empty(); });
  EXPECT_EQ(recorder.received, "x");
}

TEST_F(StreamTest, OwnerMayDestroyTheStreamInsideItsCallback) {
  auto [fd, peer] = socket_pair();
  auto stream = Stream::accept(*loop_, fd, nullptr);
  Recorder recorder;
  recorder.after_read = [&] {
    stream->write("queued and dropped");
    stream.reset();
  };
  recorder.attach(*stream);
  ASSERT_EQ(::write(peer, "bye", 3), 3);
  run_until([&] { return stream == nullptr; });
  EXPECT_EQ(stream, nullptr);
  run_a_while(); // the queued flush must not touch the freed stream
  char byte;
  EXPECT_EQ(::read(peer, &byte, 1), 0); // closed, nothing written
}

TEST_F(StreamTest, LargeOutputWaitsForTheSocketAndDrains) {
  auto [fd, peer] = socket_pair();
  auto stream = Stream::accept(*loop_, fd, nullptr);
  Recorder recorder;
  recorder.attach(*stream);
  std::string big(4 * 1024 * 1024, 'z');
  stream->write(big);
  run_a_while(); // the peer reads nothing yet: the socket fills
  EXPECT_GT(stream->output_length(), 0u);
  EXPECT_EQ(recorder.drained, 0);
  std::string got;
  run_until([&] {
    got += read_all_now(peer);
    return got.size() == big.size();
  });
  EXPECT_EQ(got.size(), big.size());
  EXPECT_EQ(stream->output_length(), 0u);
  EXPECT_EQ(recorder.drained, 1);
}

int listening_socket(SocketAddress& address) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&in), sizeof in), 0);
  EXPECT_EQ(::listen(fd, 16), 0);
  socklen_t length = sizeof in;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&in), &length);
  std::memcpy(&address.storage, &in, sizeof in);
  address.length = sizeof in;
  return fd;
}

TEST_F(StreamTest, ConnectReportsConnectedAndSendsWhatWasQueued) {
  SocketAddress address;
  int listener = listening_socket(address);
  peers_.push_back(listener);
  auto stream = Stream::connect(*loop_, address, nullptr);
  ASSERT_NE(stream, nullptr);
  Recorder recorder;
  recorder.attach(*stream);
  stream->write("GET / HTTP/1.1\r\n\r\n");
  run_until([&] { return recorder.events != 0; });
  EXPECT_EQ(recorder.events, kStreamConnected);
  int accepted = -1;
  run_until([&] {
    accepted = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
    return accepted >= 0;
  });
  ASSERT_GE(accepted, 0);
  peers_.push_back(accepted);
  std::string got;
  run_until([&] {
    got += read_all_now(accepted);
    return got.size() >= 18;
  });
  EXPECT_EQ(got, "GET / HTTP/1.1\r\n\r\n");
}

TEST_F(StreamTest, ConnectToAClosedPortIsAnError) {
  SocketAddress address;
  int listener = listening_socket(address);
  ::close(listener); // the port is now closed
  auto stream = Stream::connect(*loop_, address, nullptr);
  ASSERT_NE(stream, nullptr);
  Recorder recorder;
  recorder.attach(*stream);
  run_until([&] { return recorder.events != 0; });
  EXPECT_EQ(recorder.events, kStreamError | kStreamWriting);
  EXPECT_FALSE(stream->connected());
}

// ---- TLS: a self-signed P-256 certificate made in memory ----

struct TlsPair {
  SslCtxPtr server;
  SslCtxPtr client;
};

TlsPair make_tls_contexts() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  TlsPair pair{SslCtxPtr(SSL_CTX_new(TLS_server_method())),
               SslCtxPtr(SSL_CTX_new(TLS_client_method()))};
  SSL_CTX_use_certificate(pair.server.get(), cert);
  SSL_CTX_use_PrivateKey(pair.server.get(), key);
  SSL_CTX_set_verify(pair.client.get(), SSL_VERIFY_NONE, nullptr);
  X509_free(cert);
  EVP_PKEY_free(key);
  return pair;
}

TEST_F(StreamTest, TlsBothWaysHandshakesAndCarriesData) {
  TlsPair tls = make_tls_contexts();
  SocketAddress address;
  int listener = listening_socket(address);
  peers_.push_back(listener);
  auto client = Stream::connect(*loop_, address, SSL_new(tls.client.get()));
  ASSERT_NE(client, nullptr);
  Recorder client_side;
  client_side.attach(*client);
  client->write("hello over tls");

  std::unique_ptr<Stream> server;
  Recorder server_side;
  server_side.after_read = [&] {
    if (server_side.received == "hello over tls")
      server->write("and back");
  };
  run_until([&] {
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      return false;
    server = Stream::accept(*loop_, fd, SSL_new(tls.server.get()));
    server_side.attach(*server);
    return true;
  });
  ASSERT_NE(server, nullptr);
  run_until([&] { return client_side.received == "and back"; });
  EXPECT_EQ(client_side.events & kStreamConnected, kStreamConnected);
  EXPECT_EQ(server_side.events & kStreamConnected, kStreamConnected);
  EXPECT_EQ(server_side.received, "hello over tls");
  EXPECT_EQ(client_side.received, "and back");

  // A large body crosses in several records and arrives whole.
  std::string big(300 * 1024, 'q');
  server_side.after_read = nullptr;
  client->write(big);
  run_until([&] { return server_side.received.size() == 14 + big.size(); });
  EXPECT_EQ(server_side.received.size(), 14 + big.size());

  // Closing one end is an EOF at the other.
  client.reset();
  run_until([&] { return server_side.events & kStreamEof; });
  EXPECT_EQ(server_side.events & (kStreamEof | kStreamError), kStreamEof);
}

// Other code on the worker thread (an LTPA token that fails to decrypt, say) may leave errors in
// OpenSSL's per-thread queue; a stream must not read them as its own TLS failure.
TEST_F(StreamTest, TlsErrorsLeftInTheQueueByOtherCodeAreNotTheStreams) {
  TlsPair tls = make_tls_contexts();
  SocketAddress address;
  int listener = listening_socket(address);
  peers_.push_back(listener);
  auto leave_an_error = [] { ERR_raise(ERR_LIB_EVP, EVP_R_BAD_DECRYPT); };
  auto client = Stream::connect(*loop_, address, SSL_new(tls.client.get()));
  ASSERT_NE(client, nullptr);
  Recorder client_side;
  client_side.attach(*client);
  client_side.after_read = leave_an_error;
  leave_an_error();
  client->write("ping");

  std::unique_ptr<Stream> server;
  Recorder server_side;
  server_side.after_read = [&] {
    leave_an_error();
    if (server_side.received.size() % 4 == 0)
      server->write("pong");
  };
  run_until([&] {
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      return false;
    leave_an_error();
    server = Stream::accept(*loop_, fd, SSL_new(tls.server.get()));
    server_side.attach(*server);
    return true;
  });
  ASSERT_NE(server, nullptr);
  for (int round = 1; round <= 3; ++round) {
    run_until([&] { return client_side.received.size() == 4u * round; });
    leave_an_error();
    if (round < 3)
      client->write("ping");
  }
  EXPECT_EQ(client_side.received, "pongpongpong");
  EXPECT_EQ(server_side.received, "pingpingping");

  // A write that fills the socket makes OpenSSL report "want write", which SSL_get_error()
  // reads as a failure if an older error is still queued.
  server_side.after_read = nullptr;
  server->enable_reading(false);
  std::string big(8 * 1024 * 1024, 'w');
  leave_an_error();
  client->write(big);
  run_until([&] { return client->output_length() < big.size() || client_side.events != 0; });
  run_a_while();
  EXPECT_GT(client->output_length(), 0u) << "the socket should have filled up";
  server->enable_reading(true);
  run_until([&] { return server_side.received.size() == 12 + big.size(); });
  EXPECT_EQ(server_side.received.size(), 12 + big.size());
  EXPECT_EQ(client_side.events & kStreamError, 0);
  EXPECT_EQ(server_side.events & kStreamError, 0);
  ERR_clear_error();
}

TEST_F(StreamTest, TlsHandshakeWithAPlainTextClientFails) {
  TlsPair tls = make_tls_contexts();
  auto [fd, peer] = socket_pair();
  auto server = Stream::accept(*loop_, fd, SSL_new(tls.server.get()));
  Recorder recorder;
  recorder.attach(*server);
  const char request[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::write(peer, request, sizeof request - 1), static_cast<ssize_t>(sizeof request - 1));
  run_until([&] { return recorder.events != 0; });
  EXPECT_EQ(recorder.events, kStreamError | kStreamReading);
  EXPECT_EQ(recorder.received, "");
}

// IoLoop::run, sleeping or busy polling: streams are served, and loopexit ends it whether it
// comes from a stream callback or from a timer while the sockets are quiet.
class IoLoopRunTest : public StreamTest, public ::testing::WithParamInterface<int> {};

TEST_P(IoLoopRunTest, ServesStreamsAndStopsOnLoopExit) {
  auto [fd, peer] = socket_pair();
  auto stream = Stream::accept(*loop_, fd, nullptr);
  Recorder recorder;
  recorder.after_read = [&] {
    stream->write("pong");
    event_base_loopexit(base_.get(), nullptr);
  };
  recorder.attach(*stream);
  ASSERT_EQ(::write(peer, "ping", 4), 4);
  loop_->run(std::chrono::microseconds(GetParam()));
  EXPECT_EQ(recorder.received, "ping");
  EXPECT_EQ(read_all_now(peer), "pong"); // flushed in the pass that asked to exit
}

TEST_P(IoLoopRunTest, TimerEndsItWhileSocketsAreQuiet) {
  auto [fd, peer] = socket_pair();
  auto stream = Stream::accept(*loop_, fd, nullptr);
  Recorder recorder;
  recorder.attach(*stream);
  ASSERT_EQ(::write(peer, "x", 1), 1); // some I/O first, so that a busy loop starts polling
  timeval later{0, 20 * 1000};
  event_base_loopexit(base_.get(), &later);
  loop_->run(std::chrono::microseconds(GetParam()));
  EXPECT_EQ(recorder.received, "x");
}

INSTANTIATE_TEST_SUITE_P(SleepingOrBusy, IoLoopRunTest, ::testing::Values(0, 50, 1000));

} // namespace
} // namespace stgw::net
