#include <catch2/catch.hpp>

#include "wire/range.hpp"

using parley::wire::byte_range;
using parley::wire::parse_range;

TEST_CASE("Range headers") {
  auto r = parse_range("", 100);
  CHECK(r.kind == byte_range::whole);
  CHECK(r.length == 100);
  r = parse_range("bytes=0-9", 100);
  CHECK((r.kind == byte_range::partial && r.offset == 0 && r.length == 10));
  r = parse_range("bytes=90-", 100);
  CHECK((r.kind == byte_range::partial && r.offset == 90 && r.length == 10));
  r = parse_range("bytes=-5", 100);
  CHECK((r.kind == byte_range::partial && r.offset == 95 && r.length == 5));
  r = parse_range("bytes=-500", 100);
  CHECK((r.kind == byte_range::partial && r.offset == 0 && r.length == 100));
  r = parse_range("bytes=50-1000", 100);
  CHECK((r.kind == byte_range::partial && r.length == 50));
  CHECK(parse_range("bytes=100-", 100).kind == byte_range::unsatisfiable);
  CHECK(parse_range("bytes=9-3", 100).kind == byte_range::unsatisfiable);
  CHECK(parse_range("bytes=x-3", 100).kind == byte_range::unsatisfiable);
  CHECK(parse_range("bytes=-0", 100).kind == byte_range::unsatisfiable);
  CHECK(parse_range("bytes=5", 100).kind == byte_range::unsatisfiable);
  CHECK(parse_range("bytes=0-1,5-6", 100).kind == byte_range::whole);
  CHECK(parse_range("items=0-1", 100).kind == byte_range::whole);
}
