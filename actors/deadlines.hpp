#pragma once
// Deadlines for an actor's pending requests on one timer, instead of a CAF
// request timeout per request: CAF 0.17 sets and cancels each of those
// through its clock thread (a mutex and a wake-up, twice per request),
// which profiling put at 12% of parleyd's CPU on the message path. The
// actor asks with `caf::infinite`, keeps a `due` time with each pending
// request, arms the timer while any is pending and, on `deadline_atom`,
// fails those past due: at most one timer period after their timeout.
// Used by sessions (sends waiting for their conversation) and
// conversations (sends waiting for their commit). Header-only templates:
// it includes no CAF header itself.
#include <chrono>
#include <vector>

#include "actors/messages.hpp"

namespace parley {

class deadline_timer {
public:
  // Schedules one `deadline_atom` to `self` after `period`, unless one is
  // already on its way.
  template <class Self, class Duration>
  void arm(Self* self, Duration period) {
    if (armed_)
      return;
    armed_ = true;
    self->delayed_send(self, period, deadline_atom::value);
  }

  // Call when `deadline_atom` arrives, before sweeping.
  void fired() { armed_ = false; }

private:
  bool armed_ = false;
};

// Keys of the entries of `pending` (a map whose values have a `due`) that
// are past due at `now`. Collected first, so that the caller may erase.
template <class Map>
std::vector<typename Map::key_type> overdue(const Map& pending,
                                            std::chrono::steady_clock::time_point now) {
  std::vector<typename Map::key_type> out;
  for (auto& [key, entry] : pending)
    if (entry.due <= now)
      out.push_back(key);
  return out;
}

} // namespace parley
