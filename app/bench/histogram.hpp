#pragma once
// A log-linear latency histogram (HdrHistogram-style): values in
// microseconds, exact below 64 µs, then 64 linear buckets per power of two,
// so any percentile is within 1/64 (1.6%) of the true value. Fixed size,
// no allocation per record, mergeable across threads.
#include <algorithm>
#include <array>
#include <cstdint>

namespace parley::bench {

class histogram {
public:
  static constexpr int sub_bits = 6;                 // 64 buckets per octave
  static constexpr int sub_count = 1 << sub_bits;
  static constexpr int octaves = 40 - sub_bits;      // up to 2^40 µs (12 days)
  static constexpr int bucket_count = sub_count * (octaves + 1);

  void record(std::uint64_t micros) {
    ++counts_[index_of(micros)];
    ++total_;
    max_ = std::max(max_, micros);
  }

  void merge(const histogram& other) {
    for (int i = 0; i < bucket_count; ++i)
      counts_[i] += other.counts_[i];
    total_ += other.total_;
    max_ = std::max(max_, other.max_);
  }

  std::uint64_t count() const { return total_; }
  std::uint64_t max() const { return max_; }

  // The value at quantile q (0..1): the upper edge of the bucket holding
  // it, capped at the largest value recorded. 0 when empty.
  std::uint64_t quantile(double q) const {
    if (total_ == 0)
      return 0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_));
    rank = std::min(std::max<std::uint64_t>(rank, 1), total_);
    std::uint64_t seen = 0;
    for (int i = 0; i < bucket_count; ++i) {
      seen += counts_[i];
      if (seen >= rank)
        return std::min(upper_edge(i), max_);
    }
    return max_;
  }

  static int index_of(std::uint64_t v) {
    if (v < sub_count)
      return static_cast<int>(v);
    int octave = 63 - __builtin_clzll(v) - sub_bits + 1; // >= 1
    if (octave > octaves)
      return bucket_count - 1;
    auto sub = static_cast<int>((v >> (octave - 1)) - sub_count);
    return octave * sub_count + sub;
  }

  static std::uint64_t upper_edge(int index) {
    int octave = index / sub_count;
    auto sub = static_cast<std::uint64_t>(index % sub_count);
    if (octave == 0)
      return sub;
    return ((sub_count + sub + 1) << (octave - 1)) - 1;
  }

private:
  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

} // namespace parley::bench
