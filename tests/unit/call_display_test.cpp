#include <catch2/catch.hpp>

#include "app/cli/display.hpp"

using nlohmann::json;
using parley::cli::message_line;

namespace {

json call_record(const std::string& from, const std::string& result, std::int64_t ms,
                 const std::string& media = "audio") {
  return {{"seq", 4}, {"from", from}, {"t", "system"},
          {"system", {{"event", "call"}, {"call_id", "9"}, {"media", media},
                      {"result", result}, {"started_ts", 1}, {"duration_ms", ms}}}};
}

std::string line(const json& record, const std::string& me) {
  auto names = [](const std::string& id) { return id == "1" ? std::string{"alice"} : "bob"; };
  return message_line(record, names, me, me == "1" ? "bob" : "alice");
}

} // namespace

TEST_CASE("call records read as a phone shows them, to each side") {
  CHECK(line(call_record("1", "missed", 0), "2") == "[4] missed call from alice");
  CHECK(line(call_record("1", "missed", 0), "1") == "[4] call to bob, no answer");
  CHECK(line(call_record("1", "answered", 192000), "2") == "[4] call with alice, 3:12");
  CHECK(line(call_record("1", "answered", 192000), "1") == "[4] call with bob, 3:12");
  CHECK(line(call_record("1", "answered", 3723000, "video"), "1")
        == "[4] video call with bob, 1:02:03");
  CHECK(line(call_record("1", "rejected", 0), "2") == "[4] declined call from alice");
  CHECK(line(call_record("1", "rejected", 0), "1") == "[4] call to bob, declined");
  CHECK(line(call_record("1", "busy", 0), "1") == "[4] call to bob, busy");
  CHECK(line(call_record("1", "cancelled", 0), "2") == "[4] missed call from alice");
}

TEST_CASE("other system messages are shown as before") {
  json group{{"seq", 2}, {"from", "1"}, {"t", "system"}, {"system", {{"event", "added"}}}};
  CHECK(line(group, "2") == R"([2] alice: [{"event":"added"}])");
}
