#include <catch2/catch.hpp>

#include "wire/ws_budget.hpp"

using parley::wire::ws_budget;
using verdict = ws_budget::ping_verdict;
using namespace std::chrono;

TEST_CASE("a stranger gets 8 frames and 16 KiB, an authenticated peer more") {
  ws_budget b;
  for (int i = 0; i < 8; ++i)
    REQUIRE(b.take_frame());
  CHECK_FALSE(b.take_frame());
  ws_budget bytes;
  CHECK(bytes.take_bytes(16 * 1024));
  CHECK_FALSE(bytes.take_bytes(1));
  ws_budget member;
  member.authenticated();
  for (int i = 0; i < 1000; ++i)
    REQUIRE(member.take_frame());
  CHECK(member.take_bytes(1 << 30));
}

TEST_CASE("pings past their bucket get no pong and a flood is closed") {
  auto t = ws_budget::clock::now();
  ws_budget b{t};
  b.authenticated();
  for (int i = 0; i < 10; ++i)
    REQUIRE(b.take_ping(t) == verdict::answer);
  for (int i = 0; i < 50; ++i)
    REQUIRE(b.take_ping(t) == verdict::ignore);
  CHECK(b.take_ping(t) == verdict::flood);
}

TEST_CASE("pings at a steady rate are always answered") {
  auto t = ws_budget::clock::now();
  ws_budget b{t};
  b.authenticated();
  for (int i = 0; i < 1000; ++i)
    REQUIRE(b.take_ping(t + milliseconds(250 * i)) == verdict::answer);
}
