#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "loadtest/load/histogram.h"

namespace stgw::load {
namespace {

using H = LatencyHistogram;

TEST(LatencyHistogramTest, EmptyReportsZeros) {
  H h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_EQ(h.percentile(100), 0u);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  for (std::uint64_t v = 0; v < H::kSubCount * 2; ++v) {
    int b = H::bucket_of(v);
    EXPECT_EQ(H::bucket_low(b), v) << v;
    EXPECT_EQ(H::bucket_high(b), v) << v;
  }
}

TEST(LatencyHistogramTest, BucketsTileTheRangeWithoutGaps) {
  for (int b = 0; b + 1 < H::kBucketCount; ++b) {
    ASSERT_EQ(H::bucket_high(b) + 1, H::bucket_low(b + 1)) << b;
    ASSERT_EQ(H::bucket_of(H::bucket_low(b)), b);
    ASSERT_EQ(H::bucket_of(H::bucket_high(b)), b);
  }
  EXPECT_EQ(H::bucket_high(H::kBucketCount - 1), H::kMaxValue);
}

TEST(LatencyHistogramTest, BucketWidthStaysWithinRelativePrecision) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    std::uint64_t v = rng() >> (rng() % 40 + 22); // spread over many powers of two
    int b = H::bucket_of(v);
    ASSERT_LE(H::bucket_low(b), v);
    ASSERT_GE(H::bucket_high(b), v);
    double width = static_cast<double>(H::bucket_high(b) - H::bucket_low(b));
    ASSERT_LE(width, static_cast<double>(v) / H::kSubCount + 1e-9) << v;
  }
}

TEST(LatencyHistogramTest, PercentilesOfUniformValuesAreWithinPrecision) {
  H h;
  for (std::uint64_t v = 1; v <= 100000; ++v)
    h.record(v * 1000); // 1 µs .. 100 ms in ns
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_EQ(h.min(), 1000u);
  EXPECT_EQ(h.max(), 100'000'000u);
  EXPECT_NEAR(h.mean(), 50'000'500.0, 1.0);
  auto near = [](std::uint64_t got, double want) {
    return std::abs(static_cast<double>(got) - want) <= want / H::kSubCount;
  };
  EXPECT_TRUE(near(h.percentile(50), 50e6)) << h.percentile(50);
  EXPECT_TRUE(near(h.percentile(90), 90e6)) << h.percentile(90);
  EXPECT_TRUE(near(h.percentile(99), 99e6)) << h.percentile(99);
  EXPECT_TRUE(near(h.percentile(99.9), 99.9e6)) << h.percentile(99.9);
  EXPECT_EQ(h.percentile(100), h.max());
  // Never below the true value: the highest value of the bucket is reported.
  EXPECT_GE(h.percentile(50), 50'000'000u);
}

TEST(LatencyHistogramTest, OneOutlierShowsOnlyInTheTail) {
  H h;
  for (int i = 0; i < 999; ++i)
    h.record(100'000);
  h.record(50'000'000);
  EXPECT_LT(h.percentile(99), 110'000u);
  EXPECT_LT(h.percentile(99.9), 110'000u); // rank 999 of 1000 is still a fast one
  EXPECT_EQ(h.percentile(99.95), 50'000'000u);
  EXPECT_EQ(h.max(), 50'000'000u);
}

TEST(LatencyHistogramTest, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 rng(11);
  H a, b, all;
  for (int i = 0; i < 5000; ++i) {
    std::uint64_t v = rng() % 10'000'000;
    (i % 3 == 0 ? a : b).record(v);
    all.record(v);
  }
  H merged = a;
  merged.merge(b);
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_DOUBLE_EQ(merged.mean(), all.mean());
  for (double p : {1.0, 50.0, 90.0, 99.0, 99.9, 100.0})
    EXPECT_EQ(merged.percentile(p), all.percentile(p)) << p;
}

TEST(LatencyHistogramTest, MergingAnEmptyHistogramChangesNothing) {
  H a, empty;
  a.record(5);
  a.record(700);
  a.merge(empty);
  EXPECT_EQ(a.count(), 2u);
  EXPECT_EQ(a.min(), 5u);
  EXPECT_EQ(a.max(), 700u);
}

TEST(LatencyHistogramTest, HugeValuesAreClampedNotLost) {
  H h;
  h.record(~std::uint64_t{0});
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.max(), H::kMaxValue);
  EXPECT_EQ(h.percentile(50), H::kMaxValue);
}

TEST(LatencyHistogramTest, RecordNCountsRepeats) {
  H h;
  h.record_n(300, 4);
  h.record_n(1'000'000, 0);
  EXPECT_EQ(h.count(), 4u);
  EXPECT_EQ(h.max(), 300u);
  EXPECT_EQ(h.percentile(25), 300u);
}

TEST(LatencyHistogramTest, ClearForgetsEverything) {
  H h;
  h.record(42);
  h.clear();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(99), 0u);
  h.record(7);
  EXPECT_EQ(h.min(), 7u);
}

} // namespace
} // namespace stgw::load
