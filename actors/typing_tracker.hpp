#pragma once
// Who is typing in one conversation, and when the others must hear of it:
// at the start, then once per half lifetime while it goes on (frames in
// between are absorbed), and when it lapses unrefreshed. Pure code: the
// conversation actor passes the time in and sends what it is told to
// (unit-tested in tests/unit/typing_tracker_test.cpp).
#include <chrono>
#include <unordered_map>
#include <vector>

#include "wire/ids.hpp"

namespace parley {

class typing_tracker {
public:
  using clock = std::chrono::steady_clock;

  explicit typing_tracker(clock::duration lifetime) : lifetime_(lifetime) {
  }

  // `user` typed at `now`: true when the others must be told.
  bool typed(id64 user, clock::time_point now);

  // The users whose typing lapsed by `now`: forgotten, and to be announced
  // as stopped.
  std::vector<id64> expire(clock::time_point now);

  // `user` sent a message, which ends their typing without a notice (the
  // message itself tells the others).
  void forget(id64 user) {
    typing_.erase(user);
  }

  // When the next typing lapses; max() when nobody types.
  clock::time_point next_expiry() const;

  bool empty() const {
    return typing_.empty();
  }

private:
  struct entry {
    clock::time_point until;   // lapses unless refreshed
    clock::time_point relayed; // last announced to the others
  };
  clock::duration lifetime_;
  std::unordered_map<id64, entry> typing_;
};

} // namespace parley
