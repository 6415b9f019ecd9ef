#include <catch2/catch.hpp>

#include <algorithm>

#include "actors/typing_tracker.hpp"

using namespace std::chrono;
using parley::id64;
using parley::typing_tracker;

TEST_CASE("typing is announced at the start and refreshed at half its lifetime",
          "[typing]") {
  typing_tracker typing{seconds(5)};
  auto t0 = typing_tracker::clock::time_point{} + hours(1);
  CHECK(typing.typed(7, t0));                          // starts: announced
  CHECK_FALSE(typing.typed(7, t0 + seconds(1)));       // absorbed
  CHECK_FALSE(typing.typed(7, t0 + milliseconds(2499)));
  CHECK(typing.typed(7, t0 + milliseconds(2500)));     // half the lifetime: refreshed
  CHECK_FALSE(typing.typed(7, t0 + seconds(3)));
  CHECK(typing.typed(8, t0 + seconds(3)));             // another user starts
}

TEST_CASE("typing lapses unless refreshed", "[typing]") {
  typing_tracker typing{seconds(5)};
  auto t0 = typing_tracker::clock::time_point{} + hours(1);
  CHECK(typing.next_expiry() == typing_tracker::clock::time_point::max());
  typing.typed(1, t0);
  typing.typed(2, t0 + seconds(2));
  CHECK(typing.next_expiry() == t0 + seconds(5));
  CHECK(typing.expire(t0 + seconds(4)).empty());
  typing.typed(1, t0 + seconds(4)); // refreshed (not announced)
  CHECK(typing.next_expiry() == t0 + seconds(7));
  CHECK(typing.expire(t0 + seconds(7)) == std::vector<id64>{2});
  CHECK(typing.expire(t0 + seconds(9)) == std::vector<id64>{1});
  CHECK(typing.empty());
  CHECK(typing.typed(1, t0 + seconds(10))); // a new start is announced again
}

TEST_CASE("a message ends typing without a notice", "[typing]") {
  typing_tracker typing{seconds(5)};
  auto t0 = typing_tracker::clock::time_point{} + hours(1);
  typing.typed(3, t0);
  typing.forget(3);
  CHECK(typing.empty());
  CHECK(typing.expire(t0 + seconds(6)).empty());
  CHECK(typing.typed(3, t0 + seconds(1)));
}
