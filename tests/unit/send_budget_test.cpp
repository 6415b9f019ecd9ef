#include <catch2/catch.hpp>

#include "actors/send_budget.hpp"

using parley::send_budget;
using namespace std::chrono_literals;

TEST_CASE("a full bucket leases up to its burst, then nothing") {
  auto t0 = send_budget::clock::time_point{};
  send_budget b{10, 30, t0};
  CHECK(b.lease(20, t0) == 20);
  CHECK(b.lease(20, t0) == 10);
  CHECK(b.lease(20, t0) == 0);
}

TEST_CASE("tokens come back at the rate, never past the burst") {
  auto t0 = send_budget::clock::time_point{};
  send_budget b{10, 30, t0};
  CHECK(b.lease(30, t0) == 30);
  CHECK(b.lease(30, t0 + 500ms) == 5);
  CHECK(b.lease(100, t0 + 1h) == 30);
}

TEST_CASE("several devices share one budget") {
  auto t0 = send_budget::clock::time_point{};
  send_budget b{10, 30, t0};
  int total = 0;
  for (int device = 0; device < 16; ++device)
    total += b.lease(parley::send_lease_lot(10), t0);
  CHECK(total == 16); // lots of 1 at 10/s: 16 of the 30
  for (int i = 0; i < 100; ++i)
    total += b.lease(1, t0);
  CHECK(total == 30);
}

TEST_CASE("rate 0 is unlimited") {
  auto t0 = send_budget::clock::time_point{};
  send_budget b{0, 0, t0};
  CHECK(b.unlimited());
  CHECK(b.lease(1000, t0) == 1000);
}

TEST_CASE("a lot is a tenth of a second's worth, between 1 and 50") {
  CHECK(parley::send_lease_lot(5) == 1);
  CHECK(parley::send_lease_lot(100) == 10);
  CHECK(parley::send_lease_lot(10000) == 50);
}
