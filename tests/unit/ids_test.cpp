#include <catch2/catch.hpp>

#include <set>
#include <thread>
#include <vector>

#include "wire/ids.hpp"

using namespace parley;

namespace {
std::int64_t fake_now = 0;
std::int64_t fake_clock() {
  return fake_now;
}
} // namespace

TEST_CASE("ids carry their timestamp and node") {
  fake_now = parley_epoch_ms + 123456;
  id_generator gen{42, fake_clock};
  auto parts = split_id(gen.next());
  CHECK(parts.unix_ms == fake_now);
  CHECK(parts.node == 42);
  CHECK(parts.sequence == 0);
  CHECK(split_id(gen.next()).sequence == 1);
}

TEST_CASE("ids increase strictly within one millisecond, past 4096 of them") {
  fake_now = parley_epoch_ms + 1000;
  id_generator gen{1, fake_clock};
  id64 last = 0;
  for (int i = 0; i < 10000; ++i) {
    auto id = gen.next();
    REQUIRE(id > last);
    REQUIRE(split_id(id).node == 1);
    last = id;
  }
}

TEST_CASE("ids never repeat when the clock steps backwards") {
  fake_now = parley_epoch_ms + 50000;
  id_generator gen{3, fake_clock};
  std::set<id64> seen;
  id64 last = 0;
  for (int step = 0; step < 3; ++step) {
    for (int i = 0; i < 100; ++i) {
      auto id = gen.next();
      REQUIRE(seen.insert(id).second);
      REQUIRE(id > last);
      last = id;
    }
    fake_now -= 10000; // ten seconds back
  }
}

TEST_CASE("raise_floor skips ids already in use") {
  fake_now = parley_epoch_ms + 10;
  id_generator gen{5, fake_clock};
  id64 floor = (id64{1} << 40);
  gen.raise_floor(floor);
  CHECK(gen.next() > floor);
}

TEST_CASE("ids are unique across threads") {
  id_generator gen{7};
  std::vector<std::vector<id64>> out(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i)
        out[t].push_back(gen.next());
    });
  for (auto& t : threads)
    t.join();
  std::set<id64> all;
  for (auto& v : out)
    all.insert(v.begin(), v.end());
  CHECK(all.size() == 80000);
}

TEST_CASE("the node id must fit in 10 bits") {
  CHECK_THROWS(id_generator{1024});
  CHECK_THROWS(id_generator{-1});
  CHECK_NOTHROW(id_generator{1023});
}

TEST_CASE("ids parse only as positive decimal strings") {
  CHECK(parse_id("123") == id64{123});
  CHECK(parse_id("9223372036854775807") == id64{9223372036854775807});
  CHECK_FALSE(parse_id(""));
  CHECK_FALSE(parse_id("0"));
  CHECK_FALSE(parse_id("-5"));
  CHECK_FALSE(parse_id("12a"));
  CHECK_FALSE(parse_id("9223372036854775808"));
  CHECK_FALSE(parse_id(" 1"));
}
