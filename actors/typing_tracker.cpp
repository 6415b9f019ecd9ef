#include "actors/typing_tracker.hpp"

#include <algorithm>

namespace parley {

bool typing_tracker::typed(id64 user, clock::time_point now) {
  auto [it, started] = typing_.try_emplace(user, entry{now, now});
  bool announce = started || now - it->second.relayed >= lifetime_ / 2;
  if (announce)
    it->second.relayed = now;
  it->second.until = now + lifetime_;
  return announce;
}

std::vector<id64> typing_tracker::expire(clock::time_point now) {
  std::vector<id64> lapsed;
  for (auto it = typing_.begin(); it != typing_.end();) {
    if (it->second.until <= now) {
      lapsed.push_back(it->first);
      it = typing_.erase(it);
    } else {
      ++it;
    }
  }
  return lapsed;
}

typing_tracker::clock::time_point typing_tracker::next_expiry() const {
  auto next = clock::time_point::max();
  for (auto& [user, e] : typing_)
    next = std::min(next, e.until);
  return next;
}

} // namespace parley
