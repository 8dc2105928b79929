#pragma once

// A log-bucket latency histogram (the HdrHistogram layout, simplified): values below 2^kSubBits
// are counted exactly; above, every power of two is split into 2^kSubBits equal sub-buckets, so a
// recorded value is known to within 1/2^kSubBits (1.6 %) of itself.  Fixed size, no allocation
// after construction, recording is a few instructions: one per worker thread, merged at the end.

#include <array>
#include <cstdint>

namespace stgw::load {

class LatencyHistogram {
public:
  static constexpr int kSubBits = 6;  // 64 sub-buckets per power of two
  static constexpr int kMaxBits = 42; // values up to 2^42 - 1 (73 min in ns)
  static constexpr std::uint64_t kMaxValue = (std::uint64_t{1} << kMaxBits) - 1;
  static constexpr int kSubCount = 1 << kSubBits;
  static constexpr int kBucketCount = (kMaxBits - kSubBits + 1) * kSubCount;

  // Counts |value| (larger values are clamped to kMaxValue).
  void record(std::uint64_t value) { record_n(value, 1); }
  void record_n(std::uint64_t value, std::uint64_t count);

  // Adds every count of |other| (histograms of several threads into one).
  void merge(const LatencyHistogram& other);
  void clear();

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; } // exact
  std::uint64_t max() const { return max_; }                   // exact
  double mean() const;                                         // from exact sums; 0 when empty

  // The value at or below which |percent| % of the recorded values lie (0 < percent <= 100),
  // reported as the highest value of its bucket and never above max().  0 when empty.
  std::uint64_t percentile(double percent) const;

  // Bucket arithmetic, public for the tests.
  static int bucket_of(std::uint64_t value);
  static std::uint64_t bucket_low(int bucket);  // smallest value counted in |bucket|
  static std::uint64_t bucket_high(int bucket); // largest value counted in |bucket|

private:
  std::array<std::uint64_t, kBucketCount> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t min_ = ~std::uint64_t{0};
  std::uint64_t max_ = 0;
  long double sum_ = 0; // long double: 2^64 ns sums stay exact enough for a mean
};

} // namespace stgw::load
