#pragma once
// How fast an upload must go: after a grace period it must average a
// minimum rate, and it must end within an absolute deadline (the grace plus
// its allowed size at that rate). A trickle cannot hold a descriptor and a
// quota reservation for hours.
#include <chrono>
#include <cstdint>

namespace parley::wire {

class upload_pace {
public:
  using clock = std::chrono::steady_clock;
  static constexpr double min_bytes_per_second = 32 * 1024;
  static constexpr auto grace = std::chrono::seconds(10);

  upload_pace(clock::time_point started, std::uint64_t max_bytes);

  clock::time_point deadline() const { return deadline_; }

  // True if `received` bytes by `now` is too slow (or `now` is past the
  // deadline).
  bool too_slow(std::uint64_t received, clock::time_point now) const;

private:
  clock::time_point started_;
  clock::time_point deadline_;
};

} // namespace parley::wire
