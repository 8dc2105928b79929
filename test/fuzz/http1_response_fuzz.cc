// Fuzzes ResponseDecoder as a backend connection uses it: responses one after another, each
// started with start_response(), the connection's end reported with feed_eof(). Checks the
// invariants and that the same bytes split differently decode to the same events.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/http/http1_codec.h"

namespace {

using namespace stgw::http;

[[noreturn]] void invariant_failed(const char* what) {
  std::fprintf(stderr, "http1_response_fuzz invariant failed: %s\n", what);
  std::abort();
}

#define FUZZ_CHECK(cond)                                                                           \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      invariant_failed(#cond);                                                                     \
  } while (0)

class Recorder : public ResponseDecoderCallbacks {
public:
  void on_informational(ResponseHead&& head) override {
    FUZZ_CHECK(!in_message_);
    FUZZ_CHECK(head.status >= 100 && head.status < 200 && head.status != 101);
    FUZZ_CHECK(head.body == BodyKind::None);
    log += "info " + std::to_string(head.status) + '\n';
  }
  void on_response_head(ResponseHead&& head) override {
    FUZZ_CHECK(!in_message_);
    FUZZ_CHECK(head.status == 101 || head.status >= 200);
    FUZZ_CHECK(head.status <= 599);
    FUZZ_CHECK(head.body == BodyKind::ContentLength || head.content_length == 0);
    if (head.status == 204 || head.status == 304 || head.status == 101 || head_request)
      FUZZ_CHECK(head.body == BodyKind::None);
    if (head.body == BodyKind::UntilClose)
      FUZZ_CHECK(!head.keep_alive);
    in_message_ = true;
    body_bytes_ = 0;
    head_ = std::move(head);
    log += std::to_string(head_.status) + ' ' + head_.reason + ' ' +
           std::to_string(static_cast<int>(head_.body)) + ' ' +
           std::to_string(head_.content_length) + ' ' + std::to_string(head_.keep_alive) + '\n';
    for (auto field : head_.headers) {
      log.append(field.name);
      log += ':';
      log.append(field.value);
      log += '\n';
    }
    log += "body:";
  }
  void on_response_body(std::string_view data) override {
    FUZZ_CHECK(in_message_);
    FUZZ_CHECK(!data.empty());
    FUZZ_CHECK(head_.body != BodyKind::None);
    body_bytes_ += data.size();
    if (head_.body == BodyKind::ContentLength)
      FUZZ_CHECK(body_bytes_ <= head_.content_length);
    log.append(data);
  }
  void on_response_complete() override {
    FUZZ_CHECK(in_message_);
    if (head_.body == BodyKind::ContentLength)
      FUZZ_CHECK(body_bytes_ == head_.content_length);
    in_message_ = false;
    log += "\ncomplete\n";
  }

  bool head_request = false;
  std::string log;

private:
  ResponseHead head_;
  bool in_message_ = false;
  std::uint64_t body_bytes_ = 0;
};

struct Outcome {
  std::string log;
  std::optional<DecodeError> error;
};

// |head_mask| bit i says whether response i answers a HEAD request.
Outcome drive(std::string_view input, std::size_t step, std::uint8_t head_mask,
              std::size_t max_header_bytes) {
  Recorder recorder;
  ResponseDecoder decoder(recorder, max_header_bytes);
  unsigned response = 0;
  auto start = [&] {
    recorder.head_request = (head_mask >> (response++ % 8)) & 1;
    decoder.start_response(recorder.head_request);
    FUZZ_CHECK(!decoder.started() && !decoder.message_complete());
  };
  start();
  std::string pending;
  std::size_t offset = 0;
  Outcome outcome;
  auto fail = [&](DecodeError error) {
    outcome.error = error;
    FUZZ_CHECK(!decoder.feed(pending).has_value()); // dead stays dead
    FUZZ_CHECK(!error_code(error).empty());
    outcome.log = std::move(recorder.log);
    return outcome;
  };
  do {
    std::size_t n = step == 0 ? input.size() : std::min(step, input.size() - offset);
    pending.append(input.substr(offset, n));
    offset += n;
    for (;;) {
      auto used = decoder.feed(pending);
      if (!used)
        return fail(used.error());
      FUZZ_CHECK(*used <= pending.size());
      pending.erase(0, *used);
      if (decoder.message_complete()) {
        FUZZ_CHECK(decoder.feed(pending) == 0u); // stops after the message
        start();
        continue;
      }
      if (*used == 0)
        break;
    }
  } while (offset < input.size());
  if (decoder.started()) {
    auto done = decoder.feed_eof();
    if (!done)
      return fail(done.error());
    FUZZ_CHECK(decoder.message_complete());
  }
  outcome.log = std::move(recorder.log);
  return outcome;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::uint8_t head_mask = size > 0 ? data[0] : 0;
  // The first byte chooses which responses answer HEAD; the rest is what the backend sent.
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!input.empty())
    input.remove_prefix(1);

  Outcome whole = drive(input, 0, head_mask, 64 * 1024);
  if (input.size() <= 8192) {
    std::size_t step = size > 1 ? 1 + data[1] % 11 : 1;
    for (std::size_t s : {std::size_t{1}, step}) {
      Outcome split = drive(input, s, head_mask, 64 * 1024);
      FUZZ_CHECK(split.error == whole.error);
      FUZZ_CHECK(split.log == whole.log);
    }
  }
  drive(input, 0, head_mask, 80);
  drive(input, 5, head_mask, 80);
  return 0;
}
