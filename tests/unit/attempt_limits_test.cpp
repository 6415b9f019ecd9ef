#include <catch2/catch.hpp>

#include "actors/attempt_limits.hpp"

using parley::keyed_buckets;
using namespace std::chrono;

TEST_CASE("a key gets its capacity, then waits for the refill") {
  keyed_buckets b{5, minutes(15)};
  auto t = keyed_buckets::clock::now();
  for (int i = 0; i < 5; ++i)
    CHECK(b.take("alice", t) == milliseconds(0));
  auto wait = b.take("alice", t);
  CHECK(wait == milliseconds(180000)); // one of five tokens per 15 minutes
  CHECK(b.wait("alice", t) == wait);
  CHECK(b.wait("alice", t + seconds(179)) > milliseconds(0));
  CHECK(b.take("alice", t + seconds(180)) == milliseconds(0));
  CHECK(b.take("alice", t + seconds(180)) > milliseconds(0));
}

TEST_CASE("keys are independent and unknown keys need no wait") {
  keyed_buckets b{1, minutes(1)};
  auto t = keyed_buckets::clock::now();
  CHECK(b.take("a", t) == milliseconds(0));
  CHECK(b.take("a", t) > milliseconds(0));
  CHECK(b.wait("b", t) == milliseconds(0));
  CHECK(b.take("b", t) == milliseconds(0));
}

TEST_CASE("capacity zero is unlimited") {
  keyed_buckets b{0, minutes(1)};
  auto t = keyed_buckets::clock::now();
  for (int i = 0; i < 1000; ++i)
    REQUIRE(b.take("x", t) == milliseconds(0));
  CHECK(b.size() == 0);
}

TEST_CASE("full buckets are forgotten and the number of keys is bounded") {
  keyed_buckets b{2, seconds(10), 100};
  auto t = keyed_buckets::clock::now();
  for (int i = 0; i < 1000; ++i)
    b.take("k" + std::to_string(i), t);
  CHECK(b.size() <= 100);
  b.prune(t + seconds(10));
  CHECK(b.size() == 0);
}
