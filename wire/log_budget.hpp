#pragma once
// A budget for log lines about bad input: a flood of malformed requests or
// frames must not fill the disk or keep threads busy writing. Each second
// allows `per_second` lines; the rest are counted and reported in one line
// when the next second's first line is written. Lock-free (one atomic
// window), shared like the metrics.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace parley::wire {

class log_budget {
public:
  explicit log_budget(std::uint32_t per_second) : per_second_(per_second) {
  }

  // True if one more line may be written now. `suppressed` is set to the
  // lines refused in earlier seconds, to be mentioned in this one.
  bool allow(std::uint64_t& suppressed);

private:
  std::uint32_t per_second_;
  // Seconds since the epoch in the high 40 bits, lines this second below.
  std::atomic<std::uint64_t> window_{0};
  std::atomic<std::uint64_t> refused_{0};
};

// The one budget for every line about a client's bad input.
log_budget& bad_input_log();

} // namespace parley::wire
