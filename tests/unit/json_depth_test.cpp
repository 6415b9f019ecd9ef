#include <catch2/catch.hpp>

#include <string>

#include "wire/frame.hpp"
#include "wire/json_depth.hpp"

using parley::wire::json_nesting_exceeds;

namespace {

std::string nested(int depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

} // namespace

TEST_CASE("nesting up to the limit passes and one more level is refused") {
  CHECK_FALSE(json_nesting_exceeds(nested(32)));
  CHECK(json_nesting_exceeds(nested(33)));
  CHECK_FALSE(json_nesting_exceeds(R"({"a":{"b":[1,{"c":[]}]}})", 5));
  CHECK(json_nesting_exceeds(R"({"a":{"b":[1,{"c":[]}]}})", 4));
}

TEST_CASE("brackets in strings do not count, escaped quotes do not end them") {
  CHECK_FALSE(json_nesting_exceeds(R"({"body":"[[[[[[[[[[[["})", 1));
  CHECK_FALSE(json_nesting_exceeds(R"({"body":"\"[[[[[[\\"})", 1));
  CHECK(json_nesting_exceeds(R"({"body":"\\"}[[)", 1));
}

TEST_CASE("an unterminated bomb is refused without parsing it") {
  CHECK(json_nesting_exceeds(std::string(1 << 20, '[')));
}

TEST_CASE("a frame nesting too deep is refused as too_deep") {
  auto text = R"({"type":"send","to":"1","id":"x","body":"b","x":)" + nested(40) + "}";
  auto result = parley::wire::parse_frame(text);
  auto* err = std::get_if<parley::wire::frame_error>(&result);
  REQUIRE(err);
  CHECK(err->code == "too_deep");
}
