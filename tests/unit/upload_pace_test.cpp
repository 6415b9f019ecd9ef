#include <catch2/catch.hpp>

#include "wire/upload_pace.hpp"

using parley::wire::upload_pace;
using namespace std::chrono_literals;

TEST_CASE("an upload is never too slow within its grace period") {
  auto t0 = upload_pace::clock::time_point{};
  upload_pace pace{t0, 64ull << 20};
  CHECK_FALSE(pace.too_slow(0, t0 + 9s));
  CHECK_FALSE(pace.too_slow(0, t0 + 10s));
}

TEST_CASE("after the grace an upload must average the minimum rate") {
  auto t0 = upload_pace::clock::time_point{};
  upload_pace pace{t0, 64ull << 20};
  auto rate = static_cast<std::uint64_t>(upload_pace::min_bytes_per_second);
  CHECK(pace.too_slow(rate * 2 - 1, t0 + 12s));
  CHECK_FALSE(pace.too_slow(rate * 2, t0 + 12s));
}

TEST_CASE("the deadline is the grace plus the allowed size at the minimum rate") {
  auto t0 = upload_pace::clock::time_point{};
  upload_pace pace{t0, 32 * 1024 * 100};
  CHECK(pace.deadline() == t0 + 110s);
  CHECK(pace.too_slow(32 * 1024 * 100, t0 + 110s)); // however much arrived
  CHECK_FALSE(pace.too_slow(32 * 1024 * 100, t0 + 109s));
}
