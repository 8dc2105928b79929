#pragma once

// Time arithmetic of the scenarios, kept free of the event loop so that it is unit tested:
// how work is split across threads, when paced requests are due, when ramped users start.

#include <cstdint>

namespace stgw::load {

using Nanos = std::int64_t; // nanoseconds on the monotonic clock

Nanos monotonic_now();

// The share of |total| that part |index| of |parts| gets; shares differ by at most one and add
// up to |total| (the first total % parts parts get one more).
std::uint64_t share_of(std::uint64_t total, int parts, int index);

// The first global index of part |index| when |total| items are split as by share_of().
std::uint64_t first_of(std::uint64_t total, int parts, int index);

// Fixed-rate pacing for one connection or user: request k is due at
//   start + phase + k * interval.
// A request sent late keeps its planned time, so latency counted from due() includes the wait
// a slow server caused (no coordinated omission, as in wrk2).
class Pacer {
public:
  Pacer() = default;
  // |rate| requests/s for this one pacer; slot |slot| of |slots| is offset by slot/slots of an
  // interval so that pacers sharing a total rate do not fire together.
  Pacer(Nanos start, double rate, int slot, int slots);

  bool active() const { return interval_ > 0; }
  Nanos interval() const { return interval_; }
  Nanos due() const { return next_; } // planned time of the next request
  void advance() { next_ += interval_; }

private:
  Nanos next_ = 0;
  Nanos interval_ = 0;
};

// When item |index| of |count| starts when starts are spread evenly over |ramp|.
Nanos ramp_offset(Nanos ramp, int index, int count);

} // namespace stgw::load
