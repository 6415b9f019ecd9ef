#pragma once
// The consistent-hash ring that places presence and conversation actors on
// the cluster's live nodes. Pure code (no CAF): every node builds the same
// ring from the same membership, so they agree on every key's home without
// talking to each other.
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "wire/ids.hpp"

namespace parley {

class hash_ring {
public:
  // Virtual nodes per member: enough that each member's share of the keys
  // stays within a few percent of 1/N, and that a departure spreads its
  // keys over all the others rather than onto one neighbour.
  static constexpr int default_vnodes = 128;

  // `members`: node ids (order and duplicates do not matter).
  explicit hash_ring(std::vector<int> members = {}, int vnodes = default_vnodes);

  // The home node of `key` (a user or conversation id); -1 if empty.
  int owner(id64 key) const;

  // Each member's share of the key space, from 0 to 1.
  std::map<int, double> shares() const;

  const std::vector<int>& members() const { return members_; }
  bool empty() const { return members_.empty(); }
  int vnodes() const { return vnodes_; }

private:
  std::vector<int> members_; // sorted, unique
  int vnodes_;
  std::vector<std::pair<std::uint64_t, int>> points_; // sorted by position
};

// A 64-bit mixer (SplitMix64's finaliser): spreads sequential ids over the ring.
std::uint64_t ring_hash(std::uint64_t x);

} // namespace parley
