#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "wire/frame.hpp"
#include "wire/turn.hpp"

using namespace parley::wire;
using nlohmann::json;

namespace {

call_frame call_of(const std::string& text) {
  auto parsed = parse_frame(text);
  REQUIRE(std::holds_alternative<call_frame>(parsed));
  return std::get<call_frame>(parsed);
}

frame_error error_of(const std::string& text) {
  auto parsed = parse_frame(text);
  REQUIRE(std::holds_alternative<frame_error>(parsed));
  return std::get<frame_error>(parsed);
}

} // namespace

TEST_CASE("call.offer parses with its CID as JSON text") {
  auto f = call_of(R"({"type":"call.offer","id":"c1","to":"42","media":"video","sdp":"v=0"})");
  CHECK(f.op == call_op::offer);
  CHECK(f.client_id == "\"c1\"");
  CHECK(f.to == 42);
  CHECK(f.video);
  CHECK(f.payload == "v=0");
  CHECK(call_of(R"({"type":"call.offer","id":7,"to":"42","media":"audio","sdp":"x"})").client_id
        == "7");
}

TEST_CASE("every other call frame names its call") {
  CHECK(call_of(R"({"type":"call.answer","call_id":"9","sdp":"a"})").op == call_op::answer);
  CHECK(call_of(R"({"type":"call.reject","call_id":"9"})").op == call_op::reject);
  CHECK(call_of(R"({"type":"call.hangup","call_id":"9"})").op == call_op::hangup);
  CHECK(call_of(R"({"type":"call.update","call_id":"9","sdp":"a"})").op == call_op::update);
  CHECK(call_of(R"({"type":"call.resume","call_id":"9"})").call_id == 9);
  auto ice = call_of(R"({"type":"call.ice","call_id":"9","candidate":""})");
  CHECK(ice.op == call_op::ice);
  CHECK(ice.payload.empty()); // end of candidates
}

TEST_CASE("bad call fields get the codes of CALLS.md, with the ref it says") {
  auto e = error_of(R"({"type":"call.offer","id":"c1","to":42,"media":"audio","sdp":"x"})");
  CHECK(e.code == "invalid_field");
  CHECK(e.ref == "\"c1\"");
  CHECK(error_of(R"({"type":"call.offer","id":"c1","media":"audio","sdp":"x"})").code
        == "missing_field");
  CHECK(error_of(R"({"type":"call.offer","id":"c1","to":"4","media":"fax","sdp":"x"})").code
        == "invalid_field");
  CHECK(error_of(R"({"type":"call.offer","id":"c1","to":"4","media":"audio","sdp":""})").code
        == "invalid_field");
  CHECK(error_of(R"({"type":"call.offer","id":"c1","to":"4","media":"audio","sdp":5})").code
        == "invalid_field");
  auto answer = error_of(R"({"type":"call.answer","call_id":"77"})");
  CHECK(answer.code == "missing_field");
  CHECK(answer.ref == "\"77\"");
  auto bad_id = error_of(R"({"type":"call.hangup","call_id":"abc"})");
  CHECK(bad_id.code == "invalid_field");
  CHECK(bad_id.ref == "\"abc\"");
  CHECK(error_of(R"({"type":"call.hangup","call_id":77})").ref.empty());
  CHECK(error_of(R"({"type":"call.ice","call_id":"7","candidate":null})").code
        == "invalid_field");
}

TEST_CASE("SDP and candidates may have 65536 bytes, not more") {
  std::string max(65536, 'a');
  auto at = json{{"type", "call.answer"}, {"call_id", "5"}, {"sdp", max}}.dump();
  CHECK(call_of(at).payload.size() == 65536);
  auto over = json{{"type", "call.ice"}, {"call_id", "5"}, {"candidate", max + "a"}}.dump();
  auto e = error_of(over);
  CHECK(e.code == "payload_too_large");
  CHECK(e.ref == "\"5\"");
}

TEST_CASE("server call frames") {
  auto created = json::parse(call_created_frame("7", 12));
  CHECK(created["type"] == "call.created");
  CHECK(created["ref"] == 7); // the CID's own JSON type
  CHECK(created["call_id"] == "12");
  auto incoming = json::parse(call_incoming_frame(12, 3, 4, true, "v=0", 99));
  CHECK(incoming == json{{"type", "call.incoming"}, {"call_id", "12"}, {"from", "3"},
                         {"from_device", "4"}, {"media", "video"}, {"sdp", "v=0"}, {"ts", 99}});
  auto ice = json::parse(call_relay_frame("call.ice", 12, "candidate", "c", 4));
  CHECK(ice["candidate"] == "c");
  CHECK(ice["from_device"] == "4");
  CHECK(json::parse(call_ended_frame(12, "busy"))["reason"] == "busy");
  CHECK(call_record_body(12, false, "answered", 1732262400000, 61500)
        == R"({"event":"call","call_id":"12","media":"audio","result":"answered",)"
           R"("started_ts":1732262400000,"duration_ms":61500})");
}

TEST_CASE("TURN credentials are coturn's: CALLS.md's check value") {
  CHECK(turn_credential("north", "1700000000:1234") == "wgKmTFi2gC54rOjUonZ1720P2UI=");
  CHECK(turn_username(1699913600, 86400, 1234) == "1700000000:1234");
  turn_settings t{"north", {"turn:127.0.0.1:3478?transport=udp", "stun:127.0.0.1:3478"}, 600};
  auto body = json::parse(turn_body(t, 1234, 1699999400));
  CHECK(body["username"] == "1700000000:1234");
  CHECK(body["credential"] == "wgKmTFi2gC54rOjUonZ1720P2UI=");
  CHECK(body["ttl"] == 600);
  CHECK(body["urls"] == json{"turn:127.0.0.1:3478?transport=udp", "stun:127.0.0.1:3478"});
}

TEST_CASE("TURN URLs must be turn:, turns: or stun: with a host") {
  CHECK(turn_url_fault("turn:127.0.0.1:3478?transport=tcp").empty());
  CHECK(turn_url_fault("turns:turn.example.org").empty());
  CHECK(turn_url_fault("stun:stun.example.org:3478").empty());
  CHECK_FALSE(turn_url_fault("http://example.org").empty());
  CHECK_FALSE(turn_url_fault("turn:").empty());
  CHECK_FALSE(turn_url_fault("turn:a b").empty());
}
