#include "loadtest/load/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace stgw::load {

int LatencyHistogram::bucket_of(std::uint64_t value) {
  value = std::min(value, kMaxValue);
  if (value < kSubCount)
    return static_cast<int>(value);
  // Values in [2^e, 2^(e+1)) with e >= kSubBits keep their kSubBits bits below the top bit.
  int top = std::bit_width(value) - 1;
  int shift = top - kSubBits;
  auto sub = static_cast<int>((value >> shift) & (kSubCount - 1));
  return (shift + 1) * kSubCount + sub;
}

std::uint64_t LatencyHistogram::bucket_low(int bucket) {
  if (bucket < kSubCount)
    return static_cast<std::uint64_t>(bucket);
  int shift = bucket / kSubCount - 1;
  auto sub = static_cast<std::uint64_t>(bucket % kSubCount);
  return (std::uint64_t{kSubCount} + sub) << shift;
}

std::uint64_t LatencyHistogram::bucket_high(int bucket) {
  if (bucket < kSubCount)
    return static_cast<std::uint64_t>(bucket);
  int shift = bucket / kSubCount - 1;
  return bucket_low(bucket) + ((std::uint64_t{1} << shift) - 1);
}

void LatencyHistogram::record_n(std::uint64_t value, std::uint64_t count) {
  if (count == 0)
    return;
  value = std::min(value, kMaxValue);
  counts_[static_cast<std::size_t>(bucket_of(value))] += count;
  count_ += count;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<long double>(value) * static_cast<long double>(count);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i)
    counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

void LatencyHistogram::clear() {
  *this = LatencyHistogram{};
}

double LatencyHistogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

std::uint64_t LatencyHistogram::percentile(double percent) const {
  if (count_ == 0)
    return 0;
  percent = std::clamp(percent, 0.0, 100.0);
  // The rank of the value asked for, 1-based: p99 of 1000 values is the 990th smallest.
  // The tiny relative slack keeps 99.9 % of 1000 at rank 999 despite binary fractions.
  double exact = percent * static_cast<double>(count_) / 100.0;
  auto rank = static_cast<std::uint64_t>(std::ceil(exact - exact * 1e-12));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (int b = 0; b < kBucketCount; ++b) {
    seen += counts_[static_cast<std::size_t>(b)];
    if (seen >= rank)
      return std::clamp(bucket_high(b), min(), max_);
  }
  return max_;
}

} // namespace stgw::load
