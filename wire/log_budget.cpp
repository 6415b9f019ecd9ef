#include "wire/log_budget.hpp"

namespace parley::wire {

namespace {

constexpr int count_bits = 24;
constexpr std::uint64_t count_mask = (std::uint64_t{1} << count_bits) - 1;

std::uint64_t now_seconds() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(
    duration_cast<seconds>(steady_clock::now().time_since_epoch()).count());
}

} // namespace

bool log_budget::allow(std::uint64_t& suppressed) {
  suppressed = 0;
  auto second = now_seconds();
  auto seen = window_.load(std::memory_order_relaxed);
  for (;;) {
    bool same = (seen >> count_bits) == second;
    auto count = same ? (seen & count_mask) : 0;
    if (count >= per_second_) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    auto next = (second << count_bits) | (count + 1);
    if (window_.compare_exchange_weak(seen, next, std::memory_order_relaxed)) {
      if (!same)
        suppressed = refused_.exchange(0, std::memory_order_relaxed);
      return true;
    }
  }
}

log_budget& bad_input_log() {
  static log_budget budget{50};
  return budget;
}

} // namespace parley::wire
