#include <catch2/catch.hpp>

#include <random>

#include <nlohmann/json.hpp>

#include "wire/json_out.hpp"

// The hot frames are written by hand (wire/json_out.cpp); nlohmann, which
// wrote them before and still writes the rare ones, is the reference: the
// same text, byte for byte, for any input.

using namespace parley;
using json = nlohmann::json;

namespace {

std::string reference(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string written(std::string_view text) {
  std::string out;
  wire::append_json_string(out, text);
  return out;
}

// Bytes that exercise every branch: ASCII, escapes, control characters,
// DEL, every kind of UTF-8 lead, continuation bytes, and the bytes that
// are never valid (C0, C1, F5..FF).
std::string random_bytes(std::mt19937& rng, std::size_t max_length) {
  static const std::vector<unsigned char> interesting = {
    'a', 'Z', ' ', '"', '\\', '/', 0x00, 0x01, 0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x1F,
    0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1,
    0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
  std::uniform_int_distribution<std::size_t> length(0, max_length);
  std::uniform_int_distribution<std::size_t> pick(0, interesting.size() - 1);
  std::string out(length(rng), '\0');
  for (auto& c : out)
    c = static_cast<char>(interesting[pick(rng)]);
  return out;
}

wire::stored_message sample_message(std::string body, bool system) {
  return {9007199254740993, 42, 17, 1234567890123, 7, 1700000000123,
          wire::shared_text{std::move(body)}, system, true, {}};
}

json message_reference(const wire::stored_message& m) {
  json j{{"msg_id", std::to_string(m.msg_id)},
         {"conversation", std::to_string(m.conversation)},
         {"seq", m.seq},
         {"from", std::to_string(m.from)},
         {"from_device", std::to_string(m.from_device)},
         {"ts", m.ts},
         {"body", m.body.str()}};
  if (m.system)
    j["body_type"] = "system";
  return j;
}

} // namespace

TEST_CASE("JSON strings are escaped as nlohmann escapes them") {
  CHECK(written("") == R"("")");
  CHECK(written("plain") == R"("plain")");
  CHECK(written("a\"b\\c/d") == R"("a\"b\\c/d")");
  CHECK(written("\b\f\n\r\t") == R"("\b\f\n\r\t")");
  CHECK(written(std::string_view{"\x00\x1f\x7f", 3}) == "\"\\u0000\\u001f\x7f\"");
  CHECK(written("h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") == "\"h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  // Broken UTF-8: an overlong, a surrogate, a lone continuation byte, a
  // sequence cut short by the end and by an ASCII byte.
  for (std::string bad : {"\xC0\xAF", "\xED\xA0\x80", "\x80", "\xE2\x82", "\xF0\x9F\x98x",
                          "\xF4\x90\x80\x80", "\xFF"})
    CHECK(written(bad) == reference(json(bad)));
}

TEST_CASE("random bytes are escaped as nlohmann escapes them") {
  std::mt19937 rng{20261122};
  for (int round = 0; round < 20000; ++round) {
    auto text = random_bytes(rng, 12);
    INFO("round " << round);
    REQUIRE(written(text) == reference(json(text)));
  }
}

TEST_CASE("hand-written frames match nlohmann's") {
  std::mt19937 rng{7};
  for (int round = 0; round < 500; ++round) {
    auto m = sample_message(random_bytes(rng, 40), round % 7 == 0);
    auto expected = message_reference(m);
    CHECK(wire::message_object(m) == reference(expected));
    expected["type"] = "message";
    CHECK(wire::message_frame(m) == reference(expected));
  }
  for (std::string id : {R"("a1")", "7", R"("\u00e9\"x")"}) {
    json expected{{"type", "ack"},
                  {"id", json::parse(id)},
                  {"msg_id", "11"},
                  {"conversation", "12"},
                  {"seq", 13},
                  {"ts", 14}};
    CHECK(wire::ack_frame(json::parse(id).dump(), 11, 12, 13, 14) == reference(expected));
  }
  CHECK(wire::receipt_notice(5, 6, "read", 7, 8)
        == reference(json{{"type", "receipt"},
                          {"conversation", "5"},
                          {"user", "6"},
                          {"status", "read"},
                          {"up_to", 7},
                          {"ts", 8}}));
  for (bool active : {true, false})
    CHECK(wire::typing_notice(5, 6, active)
          == reference(json{{"type", "typing"},
                            {"conversation", "5"},
                            {"user", "6"},
                            {"active", active}}));
  CHECK(wire::presence_frame(6, true, 0)
        == reference(json{{"type", "presence"},
                          {"user", "6"},
                          {"online", true},
                          {"last_seen", nullptr}}));
  CHECK(wire::presence_frame(6, false, 1700000000000)
        == reference(json{{"type", "presence"},
                          {"user", "6"},
                          {"online", false},
                          {"last_seen", 1700000000000}}));
}
