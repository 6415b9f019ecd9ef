#pragma once
// Token buckets by key (a username, a source address), for throttling
// logins and sign-ups before any password is hashed. Pure: time is passed
// in, so the rules are unit-tested without waiting (tests/unit/
// attempt_limits_test.cpp); the throttle actor (actors/throttle.cpp) owns
// one per rule.
#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace parley {

class keyed_buckets {
public:
  using clock = std::chrono::steady_clock;
  using milliseconds = std::chrono::milliseconds;

  // `capacity` attempts, refilled evenly over `window`; 0 means unlimited.
  // At most `max_keys` keys are tracked: past that the fullest are
  // forgotten first (see prune), so a flood of keys cannot grow memory.
  keyed_buckets(unsigned capacity, milliseconds window, std::size_t max_keys = 100000);

  // How long until `key` has a token (0: it has one now).
  milliseconds wait(const std::string& key, clock::time_point now) const;

  // Takes a token of `key` if it has one; else returns how long to wait.
  milliseconds take(const std::string& key, clock::time_point now);

  // Spends `n` tokens after the fact (work whose size was known only once
  // done), going into debt down to one capacity: `wait` then says how long
  // until the debt is paid.
  void charge(const std::string& key, clock::time_point now, unsigned n);

  // Forgets keys whose buckets are full again (nothing to remember).
  void prune(clock::time_point now);

  bool unlimited() const { return capacity_ == 0; }
  std::size_t size() const { return buckets_.size(); }

private:
  struct bucket {
    double tokens;
    clock::time_point at;
  };

  double level(const bucket& b, clock::time_point now) const;
  bucket& bucket_of(const std::string& key, clock::time_point now);
  milliseconds wait_for(double tokens) const;

  double capacity_;
  double per_ms_; // refill rate
  std::size_t max_keys_;
  std::unordered_map<std::string, bucket> buckets_;
};

} // namespace parley
