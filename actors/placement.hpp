#pragma once
// Where each user and conversation lives: the ring over the live nodes and
// the directory of each other live node. Pure code over any handle type
// (caf::actor in the directory, ints in tests/unit/placement_test.cpp):
// every node builds the same placement from the same membership.
#include <algorithm>
#include <unordered_map>
#include <utility>
#include <vector>

#include "wire/ids.hpp"
#include "wire/ring.hpp"

namespace parley {

template <class Handle>
class placement {
public:
  // Alone until membership says otherwise.
  explicit placement(int self = 0) : self_(self), ring_({self}) {
  }

  // A new set of live members, this node among them, with their directories.
  void set_members(const std::vector<std::pair<int, Handle>>& live) {
    std::vector<int> ids;
    peers_.clear();
    for (auto& [node, directory] : live) {
      ids.push_back(node);
      if (node != self_)
        peers_.emplace(node, directory);
    }
    ring_ = hash_ring{ids};
  }

  // Whether moving to `live` drops a peer: one missing, or back with
  // another directory (it restarted). What its actors held died with it.
  bool loses_peer(const std::vector<std::pair<int, Handle>>& live) const {
    for (auto& [node, directory] : peers_) {
      auto same = std::find_if(live.begin(), live.end(), [&](auto& member) {
        return member.first == node && member.second == directory;
      });
      if (same == live.end())
        return true;
    }
    return false;
  }

  // The home node of `key`: this node while the ring is empty.
  int home_of(id64 key) const {
    auto owner = ring_.owner(key);
    return owner < 0 ? self_ : owner;
  }

  bool at_home(id64 key) const {
    return home_of(key) == self_;
  }

  // Keys grouped by home node (this node's own under its id).
  std::unordered_map<int, std::vector<id64>> by_home(const std::vector<id64>& keys) const {
    std::unordered_map<int, std::vector<id64>> out;
    for (auto key : keys)
      out[home_of(key)].push_back(key);
    return out;
  }

  // The directory of `node`, or an empty handle if it is not a live member.
  std::vector<Handle> peer_handles() const {
    std::vector<Handle> out;
    out.reserve(peers_.size());
    for (auto& [node, directory] : peers_)
      out.push_back(directory);
    return out;
  }

  Handle peer(int node) const {
    auto it = peers_.find(node);
    return it == peers_.end() ? Handle{} : it->second;
  }

  bool is_peer(int node) const {
    return peers_.count(node) > 0;
  }

  std::size_t size() const {
    return ring_.members().size();
  }

private:
  int self_;
  hash_ring ring_;
  std::unordered_map<int, Handle> peers_; // the other live nodes' directories
};

} // namespace parley
