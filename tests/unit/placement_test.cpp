#include <catch2/catch.hpp>

#include <map>

#include "actors/placement.hpp"

using parley::id64;
using parley::placement;

TEST_CASE("a lone node is home to every key", "[placement]") {
  placement<int> place{3};
  for (id64 key = 1; key < 1000; ++key)
    CHECK(place.at_home(key));
  CHECK(place.size() == 1);
  CHECK(place.peer(3) == 0); // a node is not its own peer
}

TEST_CASE("every node computes the same home for every key", "[placement]") {
  placement<int> one{1}, two{2}, three{3};
  std::vector<std::pair<int, int>> live{{1, 101}, {2, 102}, {3, 103}};
  for (auto* p : {&one, &two, &three})
    p->set_members(live);
  std::map<int, int> homes;
  for (id64 key = 1; key < 3000; ++key) {
    auto home = one.home_of(key);
    CHECK(two.home_of(key) == home);
    CHECK(three.home_of(key) == home);
    CHECK(one.at_home(key) == (home == 1));
    ++homes[home];
  }
  CHECK(homes.size() == 3); // each node is home to some keys
  CHECK(one.peer(2) == 102);
  CHECK(one.peer(3) == 103);
  CHECK(one.peer(1) == 0);
  CHECK(one.is_peer(2));
  CHECK_FALSE(one.is_peer(1));
}

TEST_CASE("a node that leaves is no one's home and no one's peer", "[placement]") {
  placement<int> place{1};
  place.set_members({{1, 0}, {2, 102}, {3, 103}});
  place.set_members({{1, 0}, {3, 103}});
  for (id64 key = 1; key < 2000; ++key)
    CHECK(place.home_of(key) != 2);
  CHECK(place.peer(2) == 0);
  CHECK_FALSE(place.is_peer(2));
  CHECK(place.size() == 2);
}

TEST_CASE("keys are grouped by their home node", "[placement]") {
  placement<int> place{1};
  place.set_members({{1, 0}, {2, 102}});
  std::vector<id64> keys;
  for (id64 key = 1; key <= 200; ++key)
    keys.push_back(key);
  auto groups = place.by_home(keys);
  std::size_t total = 0;
  for (auto& [node, group] : groups) {
    total += group.size();
    for (auto key : group)
      CHECK(place.home_of(key) == node);
  }
  CHECK(total == keys.size());
}

TEST_CASE("a ring that drops a peer, or gets it back restarted, loses what it held",
          "[placement]") {
  placement<int> place{1};
  CHECK_FALSE(place.loses_peer({{1, 0}, {2, 102}})); // a node joining loses nothing
  place.set_members({{1, 0}, {2, 102}, {3, 103}});
  CHECK_FALSE(place.loses_peer({{1, 0}, {2, 102}, {3, 103}}));
  CHECK_FALSE(place.loses_peer({{1, 0}, {2, 102}, {3, 103}, {4, 104}}));
  CHECK(place.loses_peer({{1, 0}, {3, 103}}));
  CHECK(place.loses_peer({{1, 0}, {2, 202}, {3, 103}})); // node 2 restarted
}
