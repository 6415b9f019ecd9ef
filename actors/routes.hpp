#pragma once
// Which users' frames a conversation may send straight to their presence
// actors, and which must still go through the directory (see fan_out_frame
// in actors/conversation.cpp). Kept apart from the actor, with the handle
// type a parameter, so that the ordering rule is unit-tested
// (tests/unit/routes_test.cpp).
//
// The rule: a user's frames go straight once the directory has named their
// presence actor on this node, and only while none of the frames that went
// through the directory for them is still unanswered; the directory hands
// a frame on before it answers, so a frame sent straight never overtakes
// one sent through it.
#include <cstddef>
#include <unordered_map>
#include <vector>

#include "wire/ids.hpp"

namespace parley {

// `Handle` is default-constructible (null), tests true when set, and
// compares with ==.
template <class Handle>
class route_table {
public:
  // Calls `straight(handle)` for each user whose frame may skip the
  // directory; returns the others, counted as in flight through the
  // directory until `answered`.
  template <class Straight>
  std::vector<id64> split(const std::vector<id64>& users, Straight straight) {
    std::vector<id64> through_directory;
    for (auto user : users) {
      auto it = routes_.find(user);
      if (it != routes_.end() && it->second.presence && it->second.in_flight == 0)
        straight(it->second.presence);
      else
        through_directory.push_back(user);
    }
    for (auto user : through_directory)
      ++routes_[user].in_flight;
    return through_directory;
  }

  // The directory answered a fan-out of `users` (as returned by `split`)
  // with the presence actors it found, parallel to `users` (null, or
  // missing, for none). Calls `learned(handle)` for each one new here.
  template <class Learned>
  void answered(const std::vector<id64>& users, const std::vector<Handle>& found,
                Learned learned) {
    for (std::size_t i = 0; i < users.size(); ++i) {
      auto it = routes_.find(users[i]);
      if (it == routes_.end())
        continue;
      auto& route = it->second;
      --route.in_flight;
      if (i < found.size() && found[i] && !(found[i] == route.presence)) {
        route.presence = found[i];
        learned(route.presence);
      }
      if (!route.presence && route.in_flight == 0)
        routes_.erase(it); // nothing to remember: a user with no presence here
    }
  }

  // The presence actors for which `dead(handle)` is true are gone: their
  // users' frames go through the directory again.
  template <class Dead>
  void forget_if(Dead dead) {
    for (auto it = routes_.begin(); it != routes_.end();) {
      if (it->second.presence && dead(it->second.presence))
        it->second.presence = Handle{};
      if (!it->second.presence && it->second.in_flight == 0)
        it = routes_.erase(it);
      else
        ++it;
    }
  }

  // Users remembered (a presence actor known, or frames in flight).
  std::size_t size() const {
    return routes_.size();
  }

private:
  struct route {
    Handle presence{};
    int in_flight = 0; // frames through the directory not answered yet
  };
  std::unordered_map<id64, route> routes_;
};

} // namespace parley
