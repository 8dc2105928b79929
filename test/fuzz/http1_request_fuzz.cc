// Fuzzes RequestDecoder. Besides "never crash", it checks the decoder's invariants and that
// splitting the same bytes differently (whole, in pieces of k, one byte at a time) never
// changes what comes out: a parser whose answer depends on packet boundaries is a smuggling bug.

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
  std::fprintf(stderr, "http1_request_fuzz invariant failed: %s\n", what);
  std::abort();
}

#define FUZZ_CHECK(cond)                                                                           \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      invariant_failed(#cond);                                                                     \
  } while (0)

class Recorder : public RequestDecoderCallbacks {
public:
  void on_request_head(RequestHead&& head) override {
    FUZZ_CHECK(!in_message_);
    in_message_ = true;
    body_bytes_ = 0;
    head_ = std::move(head);
    FUZZ_CHECK(!head_.method.empty());
    FUZZ_CHECK(!head_.target.empty());
    FUZZ_CHECK(head_.version_minor == 0 || head_.version_minor == 1);
    FUZZ_CHECK(head_.body != BodyKind::UntilClose);
    FUZZ_CHECK(head_.body == BodyKind::ContentLength || head_.content_length == 0);
    FUZZ_CHECK(head_.body != BodyKind::ContentLength || head_.content_length > 0);
    FUZZ_CHECK(head_.target[0] == '/' || head_.target.find("://") != std::string::npos);
    (void)head_.path();
    (void)head_.host();
    log += head_.method + ' ' + head_.target + ' ' + std::to_string(head_.version_minor) + ' ' +
           std::to_string(static_cast<int>(head_.body)) + ' ' +
           std::to_string(head_.content_length) + ' ' + std::to_string(head_.keep_alive) +
           std::to_string(head_.expect_continue) + std::to_string(head_.upgrade) + '\n';
    for (auto field : head_.headers) {
      log.append(field.name);
      log += ':';
      log.append(field.value);
      log += '\n';
    }
    log += "body:";
  }
  void on_request_body(std::string_view data) override {
    FUZZ_CHECK(in_message_);
    FUZZ_CHECK(!data.empty());
    body_bytes_ += data.size();
    if (head_.body == BodyKind::ContentLength)
      FUZZ_CHECK(body_bytes_ <= head_.content_length);
    FUZZ_CHECK(head_.body != BodyKind::None);
    log.append(data);
  }
  void on_request_complete() override {
    FUZZ_CHECK(in_message_);
    if (head_.body == BodyKind::ContentLength)
      FUZZ_CHECK(body_bytes_ == head_.content_length);
    if (head_.body == BodyKind::None)
      FUZZ_CHECK(body_bytes_ == 0);
    in_message_ = false;
    log += "\ncomplete\n";
  }

  std::string log;

private:
  RequestHead head_;
  bool in_message_ = false;
  std::uint64_t body_bytes_ = 0;
};

struct Outcome {
  std::string log;
  std::optional<DecodeError> error;
};

// Offers |input| in pieces of |step| bytes (0: whole) as a connection would.
Outcome drive(std::string_view input, std::size_t step, DecoderLimits limits) {
  Recorder recorder;
  RequestDecoder decoder(recorder, limits);
  std::string pending;
  std::size_t offset = 0;
  Outcome outcome;
  do {
    std::size_t n = step == 0 ? input.size() : std::min(step, input.size() - offset);
    pending.append(input.substr(offset, n));
    offset += n;
    for (;;) {
      const bool was_complete = decoder.message_complete();
      auto used = decoder.feed(pending);
      if (!used) {
        outcome.error = used.error();
        auto again = decoder.feed(pending);
        FUZZ_CHECK(!again && again.error() == used.error()); // dead stays dead
        FUZZ_CHECK(status_for(used.error()) >= 400 && !error_code(used.error()).empty());
        outcome.log = std::move(recorder.log);
        return outcome;
      }
      FUZZ_CHECK(*used <= pending.size());
      if (was_complete)
        FUZZ_CHECK(*used == 0);
      pending.erase(0, *used);
      if (decoder.message_complete()) {
        decoder.next_message();
        FUZZ_CHECK(decoder.idle());
        continue;
      }
      if (*used == 0)
        break;
    }
  } while (offset < input.size());
  outcome.log = std::move(recorder.log);
  return outcome;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  DecoderLimits roomy; // limits far above any input that is split-compared
  roomy.max_header_bytes = 64 * 1024;
  roomy.max_uri_bytes = 32 * 1024;
  Outcome whole = drive(input, 0, roomy);
  if (size <= 8192) {
    std::size_t step = size > 0 ? 1 + data[0] % 13 : 1;
    for (std::size_t s : {std::size_t{1}, step}) {
      Outcome split = drive(input, s, roomy);
      FUZZ_CHECK(split.error == whole.error);
      FUZZ_CHECK(split.log == whole.log);
    }
  }

  // Tight limits reach the 413/414/431 paths; only the invariants are checked here.
  DecoderLimits tight;
  tight.max_header_bytes = 96;
  tight.max_uri_bytes = 24;
  tight.max_body_bytes = 16;
  drive(input, 0, tight);
  drive(input, 3, tight);
  return 0;
}
