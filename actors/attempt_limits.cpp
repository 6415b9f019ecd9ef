#include "actors/attempt_limits.hpp"

#include <algorithm>
#include <cmath>

namespace parley {

keyed_buckets::keyed_buckets(unsigned capacity, milliseconds window, std::size_t max_keys)
  : capacity_(capacity),
    per_ms_(capacity == 0 ? 0.0 : capacity / std::max(1.0, double(window.count()))),
    max_keys_(std::max<std::size_t>(max_keys, 1)) {
}

double keyed_buckets::level(const bucket& b, clock::time_point now) const {
  auto elapsed = std::chrono::duration<double, std::milli>(now - b.at).count();
  return std::min(capacity_, b.tokens + std::max(0.0, elapsed) * per_ms_);
}

keyed_buckets::milliseconds keyed_buckets::wait_for(double tokens) const {
  if (tokens >= 1)
    return milliseconds{0};
  return milliseconds{static_cast<long long>(std::ceil((1 - tokens) / per_ms_))};
}

keyed_buckets::milliseconds keyed_buckets::wait(const std::string& key,
                                                clock::time_point now) const {
  if (unlimited())
    return milliseconds{0};
  auto it = buckets_.find(key);
  return it == buckets_.end() ? milliseconds{0} : wait_for(level(it->second, now));
}

keyed_buckets::bucket& keyed_buckets::bucket_of(const std::string& key,
                                                 clock::time_point now) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_)
      prune(now);
    if (buckets_.size() >= max_keys_) // all busy: forget an arbitrary one
      buckets_.erase(buckets_.begin());
    it = buckets_.emplace(key, bucket{capacity_, now}).first;
  }
  it->second = {level(it->second, now), now};
  return it->second;
}

keyed_buckets::milliseconds keyed_buckets::take(const std::string& key,
                                                clock::time_point now) {
  if (unlimited())
    return milliseconds{0};
  auto& b = bucket_of(key, now);
  if (b.tokens < 1)
    return wait_for(b.tokens);
  b.tokens -= 1;
  return milliseconds{0};
}

void keyed_buckets::charge(const std::string& key, clock::time_point now, unsigned n) {
  if (unlimited() || n == 0)
    return;
  auto& b = bucket_of(key, now);
  b.tokens = std::max(-capacity_, b.tokens - n);
}

void keyed_buckets::prune(clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();)
    it = level(it->second, now) >= capacity_ ? buckets_.erase(it) : std::next(it);
}

} // namespace parley
