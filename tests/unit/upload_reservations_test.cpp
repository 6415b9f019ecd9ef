#include <catch2/catch.hpp>

#include "actors/upload_reservations.hpp"

using namespace parley;

TEST_CASE("concurrent uploads cannot overshoot the quota together") {
  upload_reservations r{{1000, 600, 4}};
  auto a = r.reserve(1, 400, 100);
  CHECK(a.refused == upload_refusal::none);
  CHECK(a.bytes == 400);
  auto b = r.reserve(1, 400, 100); // 100 stored + 400 reserved + 400 > 1000? no: 900
  CHECK(b.refused == upload_refusal::none);
  CHECK(r.reserve(1, 200, 100).refused == upload_refusal::quota_exceeded);
  r.release(1, 400);
  CHECK(r.reserve(1, 200, 100).refused == upload_refusal::none);
}

TEST_CASE("a chunked upload reserves what is left, up to one upload") {
  upload_reservations r{{1000, 600, 4}};
  CHECK(r.reserve(1, -1, 0).bytes == 600);
  CHECK(r.reserve(1, -1, 0).bytes == 400);
  CHECK(r.reserve(1, -1, 0).refused == upload_refusal::quota_exceeded);
}

TEST_CASE("a user has at most max_concurrent uploads in flight") {
  upload_reservations r{{1 << 30, 1 << 20, 2}};
  CHECK(r.reserve(7, 10, 0).refused == upload_refusal::none);
  CHECK(r.reserve(7, 10, 0).refused == upload_refusal::none);
  CHECK(r.reserve(7, 10, 0).refused == upload_refusal::too_many_uploads);
  CHECK(r.reserve(8, 10, 0).refused == upload_refusal::none);
  r.release(7, 10);
  CHECK(r.in_flight(7) == 1);
  CHECK(r.reserve(7, 10, 0).refused == upload_refusal::none);
  r.release(7, 10);
  r.release(7, 10);
  CHECK(r.in_flight(7) == 0);
}
