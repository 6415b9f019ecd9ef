#include "actors/send_budget.hpp"

#include <algorithm>
#include <cmath>

namespace parley {

send_budget::send_budget(double rate, double burst, clock::time_point now)
  : rate_(rate), burst_(std::max(1.0, burst)), tokens_(burst_), refilled_(now) {
}

void send_budget::refill(clock::time_point now) {
  auto elapsed = std::chrono::duration<double>(now - refilled_).count();
  if (elapsed > 0)
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  refilled_ = std::max(refilled_, now);
}

int send_budget::lease(int want, clock::time_point now) {
  if (unlimited())
    return want;
  refill(now);
  auto granted = std::min(want, static_cast<int>(std::floor(tokens_)));
  granted = std::max(granted, 0);
  tokens_ -= granted;
  return granted;
}

int send_lease_lot(double rate) {
  return std::clamp(static_cast<int>(rate / 10), 1, 50);
}

} // namespace parley
