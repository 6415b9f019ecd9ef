#include "wire/ring.hpp"

#include <algorithm>

namespace parley {

std::uint64_t ring_hash(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

hash_ring::hash_ring(std::vector<int> members, int vnodes)
    : members_(std::move(members)), vnodes_(std::max(vnodes, 1)) {
  std::sort(members_.begin(), members_.end());
  members_.erase(std::unique(members_.begin(), members_.end()), members_.end());
  points_.reserve(members_.size() * static_cast<std::size_t>(vnodes_));
  for (auto node : members_)
    for (int v = 0; v < vnodes_; ++v)
      points_.emplace_back(ring_hash((std::uint64_t(node) << 32) | std::uint32_t(v)), node);
  // Ties (astronomically unlikely) are broken by node id, the same on every node.
  std::sort(points_.begin(), points_.end());
}

int hash_ring::owner(id64 key) const {
  if (points_.empty())
    return -1;
  auto h = ring_hash(static_cast<std::uint64_t>(key));
  auto it = std::lower_bound(points_.begin(), points_.end(), std::make_pair(h, -1));
  return it == points_.end() ? points_.front().second : it->second;
}

std::map<int, double> hash_ring::shares() const {
  std::map<int, double> out;
  if (points_.empty())
    return out;
  constexpr double span = 18446744073709551616.0; // 2^64
  // Each point owns the arc from the previous point (exclusive) to itself;
  // the first one also owns the wrap-around arc past the last point.
  std::uint64_t previous = points_.back().first;
  for (auto& [position, node] : points_) {
    out[node] += static_cast<double>(position - previous) / span; // wraps modulo 2^64
    previous = position;
  }
  return out;
}

} // namespace parley
