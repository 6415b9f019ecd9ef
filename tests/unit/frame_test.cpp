#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "wire/frame.hpp"
#include "wire/json_out.hpp"

using namespace parley::wire;

namespace {

frame_error error_of(const std::string& text) {
  auto r = parse_frame(text);
  REQUIRE(std::holds_alternative<frame_error>(r));
  return std::get<frame_error>(r);
}

template <class T>
T frame_of(const std::string& text) {
  auto r = parse_frame(text);
  if (auto* e = std::get_if<frame_error>(&r))
    FAIL(e->code + ": " + e->message);
  REQUIRE(std::holds_alternative<T>(r));
  return std::get<T>(r);
}

} // namespace

TEST_CASE("valid frames parse") {
  auto a = frame_of<auth_frame>(R"({"type":"auth","token":"abc"})");
  CHECK(a.token == "abc");
  auto s = frame_of<send_frame>(R"({"type":"send","id":"c1","to":"42","body":"hi"})");
  CHECK(s.client_id == R"("c1")");
  CHECK(s.to == 42);
  CHECK(s.conversation == 0);
  CHECK(s.body == "hi");
  auto s2 = frame_of<send_frame>(R"({"type":"send","id":7,"conversation":"9","body":""})");
  CHECK(s2.client_id == "7");
  CHECK(s2.conversation == 9);
  auto r = frame_of<receipt_frame>(
    R"({"type":"receipt","status":"read","conversation":"5","up_to":3})");
  CHECK(r.status == receipt_status::read);
  CHECK(r.up_to == 3);
  auto y = frame_of<sync_frame>(R"({"type":"sync"})");
  CHECK(y.conversation == 0);
  auto y2 = frame_of<sync_frame>(R"({"type":"sync","conversation":"5","after":10})");
  CHECK(y2.after == 10);
  frame_of<typing_frame>(R"({"type":"typing","conversation":"5"})");
  frame_of<ping_frame>(R"({"type":"ping"})");
}

TEST_CASE("bad frames get specific codes") {
  CHECK(error_of("{not json").code == "invalid_json");
  CHECK(error_of("[1,2]").code == "invalid_frame");
  CHECK(error_of("\"send\"").code == "invalid_frame");
  CHECK(error_of("{}").code == "missing_field");
  CHECK(error_of(R"({"type":5})").code == "invalid_field");
  CHECK(error_of(R"({"type":"dance"})").code == "unknown_type");
  CHECK(error_of(R"({"type":"auth"})").code == "missing_field");
  CHECK(error_of(R"({"type":"send","to":"1","body":"x"})").code == "missing_field");
  CHECK(error_of(R"({"type":"send","id":"a","body":"x"})").code == "missing_field");
  CHECK(error_of(R"({"type":"send","id":"a","to":"1"})").code == "missing_field");
  CHECK(error_of(R"({"type":"send","id":"a","to":1,"body":"x"})").code == "invalid_field");
  CHECK(error_of(R"({"type":"send","id":"a","to":"x1","body":"x"})").code
        == "invalid_field");
  CHECK(error_of(R"({"type":"send","id":"a","to":"1","conversation":"2","body":"x"})")
          .code
        == "invalid_field");
  CHECK(error_of(R"({"type":"send","id":"a","to":"1","body":5})").code == "invalid_field");
  CHECK(error_of(R"({"type":"send","id":{},"to":"1","body":"x"})").code
        == "invalid_field");
  CHECK(error_of(R"({"type":"receipt","status":"seen","conversation":"1","up_to":1})")
          .code
        == "invalid_field");
  CHECK(error_of(R"({"type":"receipt","status":"read","conversation":"1","up_to":-1})")
          .code
        == "invalid_field");
  CHECK(error_of(R"({"type":"typing"})").code == "missing_field");
}

TEST_CASE("errors echo the frame's id as ref") {
  auto e = error_of(R"({"type":"send","id":"abc","to":42,"body":"x"})");
  CHECK(e.ref == R"("abc")");
  auto e2 = error_of(R"({"type":"send","id":17,"body":"x"})");
  CHECK(e2.ref == "17");
}

TEST_CASE("size limits") {
  std::string body(max_body_bytes, 'a');
  auto ok = R"({"type":"send","id":"a","to":"1","body":")" + body + "\"}";
  CHECK(frame_of<send_frame>(ok).body.size() == max_body_bytes);
  auto big = R"({"type":"send","id":"a","to":"1","body":")" + body + "a\"}";
  CHECK(error_of(big).code == "body_too_large");
  CHECK(error_of(std::string(max_frame_bytes + 1, ' ')).code == "frame_too_large");
  std::string long_id(max_client_id_chars + 1, 'x');
  CHECK(error_of(R"({"type":"send","id":")" + long_id + R"(","to":"1","body":"x"})").code
        == "invalid_field");
  CHECK(error_of(R"({"type":"send","id":"a","to":"1","body":"a\u0000b"})").code
        == "invalid_field");
}

TEST_CASE("long unknown types are echoed without splitting UTF-8 (fuzzer find)") {
  std::string name(62, 'a');
  name += "\xc4\x95\xc4\x95"; // a two-byte character straddles byte 64
  auto e = error_of(R"({"type":")" + name + R"("})");
  CHECK(e.code == "unknown_type");
  auto frame = error_frame(e.code, e.message, e.ref);
  CHECK(nlohmann::json::parse(frame, nullptr, false).is_object());
}

TEST_CASE("serialising never throws on invalid UTF-8") {
  CHECK_NOTHROW(error_frame("x", "bad \xff byte"));
}

TEST_CASE("presence subscriptions parse, without duplicates") {
  auto w = frame_of<watch_frame>(R"({"type":"presence.subscribe","users":["3","1","3"]})");
  CHECK(w.subscribe);
  CHECK(w.users == std::vector<parley::id64>{3, 1});
  auto u = frame_of<watch_frame>(R"({"type":"presence.unsubscribe","users":["5"]})");
  CHECK_FALSE(u.subscribe);
  CHECK(u.users == std::vector<parley::id64>{5});
  CHECK(error_of(R"({"type":"presence.subscribe"})").code == "missing_field");
  CHECK(error_of(R"({"type":"presence.subscribe","users":[]})").code == "invalid_field");
  CHECK(error_of(R"({"type":"presence.subscribe","users":"1"})").code == "invalid_field");
  CHECK(error_of(R"({"type":"presence.subscribe","users":[1]})").code == "invalid_field");
  CHECK(error_of(R"({"type":"presence.unsubscribe","users":["-1"]})").code
        == "invalid_field");
}

TEST_CASE("presence and typing notices") {
  auto p = nlohmann::json::parse(presence_frame(7, true, 1234));
  CHECK(p == nlohmann::json{{"type", "presence"}, {"user", "7"}, {"online", true},
                            {"last_seen", 1234}});
  auto hidden = nlohmann::json::parse(presence_frame(7, false, 0));
  CHECK(hidden["last_seen"].is_null());
  auto t = nlohmann::json::parse(typing_notice(1, 2, false));
  CHECK(t["active"] == false);
  auto body = nlohmann::json::parse(system_body("removed", 1, {2}, {}, {3}));
  CHECK(body == nlohmann::json{{"event", "removed"}, {"by", "1"}, {"users", {"2"}},
                               {"admins", {"3"}}});
}

TEST_CASE("a send may name the media it carries") {
  const std::string a(32, 'a'), b = "0123456789abcdef0123456789abcdef";
  auto s = frame_of<send_frame>(R"({"type":"send","id":1,"to":"2","body":"x","media":[")" + a
                                + R"(",")" + b + R"(",")" + a + R"("]})");
  CHECK(s.media == std::vector<std::string>{a, b}); // duplicates dropped
  CHECK(frame_of<send_frame>(R"({"type":"send","id":1,"to":"2","body":"x","media":null})")
          .media.empty());
  for (auto bad : {R"("abc")", R"(["zz"])", R"([1])", R"({})", R"(["ABCDEF0123456789ABCDEF0123456789"])"}) {
    auto e = error_of(std::string{R"({"type":"send","id":1,"to":"2","body":"x","media":)"} + bad
                      + "}");
    CHECK(e.code == "invalid_field");
    CHECK(e.ref == "1");
  }
  std::string many = "[";
  for (std::size_t i = 0; i <= max_media_per_message; ++i)
    many += (i ? ",\"" : "\"") + a + "\"";
  CHECK(error_of(R"({"type":"send","id":1,"to":"2","body":"x","media":)" + many + "]}").code
        == "invalid_field");
}
