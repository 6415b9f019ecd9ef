#pragma once
// Deadlines for an actor's pending requests on one timer, instead of a CAF
// request timeout per request: CAF 0.17 sets and cancels each of those
// through its clock thread (a mutex and a wake-up, twice per request), a
// cost paid on every message on the send path. The
// actor asks with `caf::infinite`, keeps a `due` time with each pending
// request, arms the timer while any is pending and, on `deadline_atom`,
// fails those past due: at most one timer period after their timeout.
// Used by sessions (sends waiting for their conversation) and
// conversations (sends waiting for their commit). Header-only templates:
// it includes no CAF header itself.
#include <chrono>
#include <vector>

#include "actors/atoms.hpp"

namespace parley {

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

class deadline_timer {
public:
  // Schedules one `deadline_atom` to `self` after `period`, unless one is
  // already on its way.
  template <class Self>
  void arm(Self* self, std::chrono::milliseconds period) {
    period_ = period;
    if (armed_)
      return;
    armed_ = true;
    self->delayed_send(self, period, deadline_atom::value);
  }

  // When `deadline_atom` arrives: `fail(key)` for every entry of `pending`
  // past due (`fail` removes it), then armed again while any is left.
  template <class Self, class Map, class Fail>
  void sweep(Self* self, const Map& pending, Fail fail) {
    armed_ = false;
    for (auto key : overdue(pending, std::chrono::steady_clock::now()))
      fail(key);
    if (!pending.empty())
      arm(self, period_);
  }

private:
  bool armed_ = false;
  std::chrono::milliseconds period_{0};
};

} // namespace parley
