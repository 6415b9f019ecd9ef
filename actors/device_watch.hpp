#pragma once
// Who on this node must hear that a user's devices changed (one published
// keys, one was signed out): the conversation actors that hold the devices
// of that user as members (E2E.md §9: a revoked device leaves every
// required set at once). Pure bookkeeping, owned by the directory
// (actors/directory_devices.cpp); `Key` names a watcher (its address) so
// that a watcher that is gone can be forgotten.
#include <algorithm>
#include <unordered_map>
#include <vector>

#include "wire/ids.hpp"

namespace parley {

template <class Handle, class Key>
class device_watch {
public:
  // `watcher` holds the devices of `users` from now on (again: no harm).
  void watch(const Key& key, const Handle& watcher, const std::vector<id64>& users) {
    auto& mine = watched_[key];
    for (auto user : users) {
      if (std::find(mine.begin(), mine.end(), user) != mine.end())
        continue;
      mine.push_back(user);
      watchers_[user].push_back({key, watcher});
    }
  }

  void forget(const Key& key) {
    auto it = watched_.find(key);
    if (it == watched_.end())
      return;
    for (auto user : it->second) {
      auto& list = watchers_[user];
      list.erase(std::remove_if(list.begin(), list.end(),
                                [&](const entry& e) { return e.key == key; }),
                 list.end());
      if (list.empty())
        watchers_.erase(user);
    }
    watched_.erase(it);
  }

  // Calls `fn(watcher)` for each watcher of `user`.
  template <class F>
  void each_watcher(id64 user, F fn) const {
    auto it = watchers_.find(user);
    if (it != watchers_.end())
      for (auto& e : it->second)
        fn(e.handle);
  }

  std::size_t watchers() const { return watched_.size(); }

private:
  struct entry {
    Key key;
    Handle handle;
  };
  std::unordered_map<id64, std::vector<entry>> watchers_;
  std::unordered_map<Key, std::vector<id64>> watched_;
};

} // namespace parley
