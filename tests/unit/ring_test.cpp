#include <catch2/catch.hpp>

#include <map>

#include "wire/ring.hpp"

using parley::hash_ring;

TEST_CASE("an empty ring has no owner") {
  hash_ring ring;
  CHECK(ring.owner(42) == -1);
  CHECK(ring.shares().empty());
}

TEST_CASE("one member owns everything") {
  hash_ring ring{{7}};
  for (parley::id64 key = 0; key < 1000; ++key)
    REQUIRE(ring.owner(key) == 7);
  CHECK(ring.shares().at(7) == Approx(1.0));
}

TEST_CASE("every node computes the same ring whatever order it learned members in") {
  hash_ring a{{1, 2, 3}};
  hash_ring b{{3, 1, 2, 2}};
  CHECK(b.members() == std::vector<int>{1, 2, 3});
  for (parley::id64 key = 1; key < 5000; key += 7)
    REQUIRE(a.owner(key) == b.owner(key));
}

TEST_CASE("keys spread evenly and a departure moves only the leaver's keys") {
  hash_ring three{{1, 2, 3}};
  hash_ring two{{1, 3}};
  std::map<int, int> counts;
  int moved_wrongly = 0;
  constexpr int keys = 30000;
  // Time-sortable ids are sequential within a millisecond: use that shape.
  for (parley::id64 i = 0; i < keys; ++i) {
    auto key = (i << 22) | (1 << 12) | (i % 4096);
    auto before = three.owner(key);
    ++counts[before];
    if (before != 2 && two.owner(key) != before)
      ++moved_wrongly;
  }
  for (int node : {1, 2, 3}) {
    INFO("node " << node);
    CHECK(counts[node] > keys / 3 * 0.8);
    CHECK(counts[node] < keys / 3 * 1.2);
  }
  CHECK(moved_wrongly == 0);
  double total = 0;
  for (auto& [node, share] : three.shares())
    total += share;
  CHECK(total == Approx(1.0));
}
