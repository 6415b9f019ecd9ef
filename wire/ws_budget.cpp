#include "wire/ws_budget.hpp"

#include <algorithm>

namespace parley::wire {

bool ws_budget::take_bytes(std::size_t n) {
  return authenticated_ || (bytes_ += n) <= stranger_bytes;
}

bool ws_budget::take_frame() {
  return authenticated_ || ++frames_ <= stranger_frames;
}

ws_budget::ping_verdict ws_budget::take_ping(clock::time_point now) {
  if (!take_frame())
    return ping_verdict::flood;
  auto refill = std::chrono::duration<double>(now - refilled_).count() * pings_per_second;
  ping_tokens_ = std::min(ping_burst, ping_tokens_ + std::max(0.0, refill));
  refilled_ = now;
  if (ping_tokens_ < 1)
    return ++strikes_ > ping_strikes_allowed ? ping_verdict::flood : ping_verdict::ignore;
  ping_tokens_ -= 1;
  strikes_ = 0;
  return ping_verdict::answer;
}

} // namespace parley::wire
