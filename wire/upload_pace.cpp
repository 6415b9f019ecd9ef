#include "wire/upload_pace.hpp"

namespace parley::wire {

upload_pace::upload_pace(clock::time_point started, std::uint64_t max_bytes)
  : started_(started),
    deadline_(started + grace
              + std::chrono::seconds(static_cast<std::int64_t>(max_bytes / min_bytes_per_second))) {
}

bool upload_pace::too_slow(std::uint64_t received, clock::time_point now) const {
  if (now >= deadline_)
    return true;
  auto elapsed = std::chrono::duration<double>(now - started_ - grace).count();
  return elapsed > 0 && static_cast<double>(received) < elapsed * min_bytes_per_second;
}

} // namespace parley::wire
