#include "loadtest/load/schedule.h"

#include <time.h>

namespace stgw::load {

Nanos monotonic_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<Nanos>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::uint64_t share_of(std::uint64_t total, int parts, int index) {
  if (parts <= 0 || index < 0 || index >= parts)
    return 0;
  auto p = static_cast<std::uint64_t>(parts);
  auto i = static_cast<std::uint64_t>(index);
  return total / p + (i < total % p ? 1 : 0);
}

std::uint64_t first_of(std::uint64_t total, int parts, int index) {
  std::uint64_t first = 0;
  for (int i = 0; i < index && i < parts; ++i)
    first += share_of(total, parts, i);
  return first;
}

Pacer::Pacer(Nanos start, double rate, int slot, int slots) {
  if (rate <= 0 || slots <= 0)
    return;
  interval_ = static_cast<Nanos>(1e9 / rate);
  if (interval_ <= 0)
    interval_ = 1;
  next_ = start + static_cast<Nanos>(static_cast<double>(interval_) * slot / slots);
}

Nanos ramp_offset(Nanos ramp, int index, int count) {
  if (ramp <= 0 || count <= 1)
    return 0;
  return static_cast<Nanos>(static_cast<double>(ramp) * index / count);
}

} // namespace stgw::load
