#include <catch2/catch.hpp>

#include <random>

#include "app/bench/histogram.hpp"

using parley::bench::histogram;

TEST_CASE("small values are exact") {
  histogram h;
  for (int v = 1; v <= 50; ++v)
    h.record(v);
  CHECK(h.quantile(0.5) == 25);
  CHECK(h.quantile(1.0) == 50);
  CHECK(h.max() == 50);
  CHECK(h.count() == 50);
}

TEST_CASE("percentiles are within 1/64 of the truth over many octaves") {
  std::mt19937_64 rng{42};
  std::lognormal_distribution<double> dist{7.0, 2.0};
  std::vector<std::uint64_t> values;
  histogram h;
  for (int i = 0; i < 100000; ++i) {
    auto v = static_cast<std::uint64_t>(dist(rng)) + 1;
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    auto truth = static_cast<double>(values[static_cast<std::size_t>(q * values.size()) - 1]);
    auto got = static_cast<double>(h.quantile(q));
    CHECK(got >= truth);
    CHECK(got <= truth * (1 + 1.0 / 64) + 1);
  }
  CHECK(h.quantile(1.0) == values.back());
}

TEST_CASE("buckets are contiguous and merging adds counts") {
  for (int i = 1; i < histogram::bucket_count - 1; ++i)
    REQUIRE(histogram::index_of(histogram::upper_edge(i)) == i);
  histogram a, b;
  a.record(10);
  b.record(1000000);
  a.merge(b);
  CHECK(a.count() == 2);
  CHECK(a.max() == 1000000);
  CHECK(a.quantile(0.5) == 10);
  CHECK(histogram{}.quantile(0.99) == 0);
}
