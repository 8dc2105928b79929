#pragma once

// Drives the HTTP/1.1 decoders the way a connection does — bytes arrive in pieces, unconsumed
// bytes stay in the buffer and are offered again with the next piece, next_message() follows
// each completed request — and records every callback.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/http/http1_codec.h"

namespace stgw::http::test_support {

class RequestRecorder : public RequestDecoderCallbacks {
public:
  struct Message {
    RequestHead head;
    std::string body;
    int body_calls = 0;
    bool complete = false;
  };

  void on_request_head(RequestHead&& head) override {
    EXPECT_TRUE(messages.empty() || messages.back().complete) << "head before previous completed";
    messages.push_back(Message{std::move(head)});
  }
  void on_request_body(std::string_view data) override {
    EXPECT_FALSE(data.empty());
    EXPECT_FALSE(messages.empty());
    if (messages.empty())
      return;
    EXPECT_FALSE(messages.back().complete);
    messages.back().body.append(data);
    ++messages.back().body_calls;
  }
  void on_request_complete() override {
    EXPECT_FALSE(messages.empty());
    if (messages.empty())
      return;
    EXPECT_FALSE(messages.back().complete);
    messages.back().complete = true;
  }

  std::vector<Message> messages;
};

struct RequestHarness {
  explicit RequestHarness(DecoderLimits limits = {}) : decoder(recorder, limits) {}

  // Offers |input| in pieces of |step| bytes (0: all at once). Returns the error, if any.
  std::optional<DecodeError> run(std::string_view input, std::size_t step = 0) {
    std::size_t offset = 0;
    do {
      std::size_t n = step == 0 ? input.size() : std::min(step, input.size() - offset);
      pending.append(input.substr(offset, n));
      offset += n;
      if (auto error = pump())
        return error;
    } while (offset < input.size());
    return std::nullopt;
  }

  // Feeds the buffer until the decoder takes no more.
  std::optional<DecodeError> pump() {
    for (;;) {
      auto used = decoder.feed(pending);
      if (!used)
        return used.error();
      EXPECT_LE(*used, pending.size());
      pending.erase(0, *used);
      if (decoder.message_complete()) {
        decoder.next_message();
        continue;
      }
      if (*used == 0)
        return std::nullopt;
    }
  }

  RequestRecorder recorder;
  RequestDecoder decoder;
  std::string pending;
};

class ResponseRecorder : public ResponseDecoderCallbacks {
public:
  struct Message {
    ResponseHead head;
    std::vector<ResponseHead> informational;
    std::string body;
    int body_calls = 0;
    bool complete = false;
  };

  void on_informational(ResponseHead&& head) override { interim.push_back(std::move(head)); }
  void on_response_head(ResponseHead&& head) override {
    messages.push_back(Message{std::move(head), std::move(interim)});
    interim.clear();
  }
  void on_response_body(std::string_view data) override {
    EXPECT_FALSE(data.empty());
    EXPECT_FALSE(messages.empty());
    if (messages.empty())
      return;
    EXPECT_FALSE(messages.back().complete);
    messages.back().body.append(data);
    ++messages.back().body_calls;
  }
  void on_response_complete() override {
    EXPECT_FALSE(messages.empty());
    if (messages.empty())
      return;
    messages.back().complete = true;
  }

  std::vector<ResponseHead> interim;
  std::vector<Message> messages;
};

struct ResponseHarness {
  explicit ResponseHarness(std::size_t max_header_bytes = 64 * 1024)
      : decoder(recorder, max_header_bytes) {}

  // Offers |input| in pieces of |step| bytes for one response; |eof| then reports the close.
  std::optional<DecodeError> run(std::string_view input, std::size_t step = 0, bool eof = false) {
    std::size_t offset = 0;
    do {
      std::size_t n = step == 0 ? input.size() : std::min(step, input.size() - offset);
      pending.append(input.substr(offset, n));
      offset += n;
      for (;;) {
        auto used = decoder.feed(pending);
        if (!used)
          return used.error();
        EXPECT_LE(*used, pending.size());
        pending.erase(0, *used);
        if (*used == 0 || decoder.message_complete())
          break;
      }
    } while (offset < input.size());
    if (eof) {
      auto done = decoder.feed_eof();
      if (!done)
        return done.error();
    }
    return std::nullopt;
  }

  ResponseRecorder recorder;
  ResponseDecoder decoder;
  std::string pending;
};

// One line per event, bodies joined: equal for any way the same bytes are split.
inline std::string transcript(const RequestRecorder& r) {
  std::string out;
  for (const auto& m : r.messages) {
    out += m.head.method + " " + m.head.target + " 1." + std::to_string(m.head.version_minor);
    out += " body=" + std::to_string(static_cast<int>(m.head.body)) +
           " cl=" + std::to_string(m.head.content_length) +
           " ka=" + std::to_string(m.head.keep_alive) +
           " expect=" + std::to_string(m.head.expect_continue) +
           " upgrade=" + std::to_string(m.head.upgrade) + "\n";
    for (auto f : m.head.headers)
      out += std::string(f.name) + ": " + std::string(f.value) + "\n";
    out += "[" + m.body + "]" + (m.complete ? " complete\n" : " open\n");
  }
  return out;
}

inline std::string transcript(const ResponseRecorder& r) {
  std::string out;
  auto head_line = [&](const ResponseHead& h) {
    out += std::to_string(h.status) + " " + h.reason + " 1." + std::to_string(h.version_minor) +
           " body=" + std::to_string(static_cast<int>(h.body)) +
           " cl=" + std::to_string(h.content_length) + " ka=" + std::to_string(h.keep_alive) + "\n";
    for (auto f : h.headers)
      out += std::string(f.name) + ": " + std::string(f.value) + "\n";
  };
  for (const auto& m : r.messages) {
    for (const auto& i : m.informational)
      head_line(i);
    head_line(m.head);
    out += "[" + m.body + "]" + (m.complete ? " complete\n" : " open\n");
  }
  return out;
}

} // namespace stgw::http::test_support
