#include <catch2/catch.hpp>

#include "storage/pg_array.hpp"

using namespace parley::storage;

TEST_CASE("text arrays quote every element and escape quotes and backslashes") {
  text_array a;
  a.add("plain");
  a.add("NULL");
  a.add("");
  a.add(R"(say "hi", {x}\y)");
  CHECK(a.literal() == R"({"plain","NULL","","say \"hi\", {x}\\y"})");
  CHECK(a.literal() == R"({"plain","NULL","","say \"hi\", {x}\\y"})"); // closed once
}

TEST_CASE("an empty array is {}") {
  text_array t;
  int_array i;
  CHECK(t.literal() == "{}");
  CHECK(i.literal() == "{}");
}

TEST_CASE("integer arrays hold negatives, 64-bit values and booleans as 0/1") {
  int_array a;
  a.add(std::int64_t{-5});
  a.add(std::int64_t{9007199254740993});
  a.add(true);
  a.add(false);
  CHECK(a.literal() == "{-5,9007199254740993,1,0}");
}
