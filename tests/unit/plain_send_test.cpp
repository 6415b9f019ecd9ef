// The one-pass reader of plain `send` frames (wire/plain_send.cpp) against
// the full parser: wherever it takes a frame it must give the same one,
// and parse_frame (which tries it first) must answer every frame as the
// full parser alone does.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "wire/frame.hpp"

using namespace parley::wire;

namespace {

bool same_send(const send_frame& a, const send_frame& b) {
  return a.client_id == b.client_id && a.to == b.to && a.conversation == b.conversation
         && a.body == b.body && a.media == b.media;
}

// Same kind of frame; for sends and errors, the same contents.
bool same_result(const parse_result& a, const parse_result& b) {
  if (a.index() != b.index())
    return false;
  if (auto* x = std::get_if<send_frame>(&a))
    return same_send(*x, std::get<send_frame>(b));
  if (auto* x = std::get_if<frame_error>(&a)) {
    auto& y = std::get<frame_error>(b);
    return x->code == y.code && x->message == y.message && x->ref == y.ref;
  }
  return true;
}

struct generator {
  std::mt19937 rng;
  explicit generator(unsigned seed) : rng(seed) {}

  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); }
  bool chance(int percent) { return static_cast<int>(pick(100)) < percent; }

  std::string space() {
    static const char* spaces[] = {"", "", "", " ", "\n", "\t ", "\r\n  "};
    return spaces[pick(7)];
  }

  // Well-formed string contents: text, escapes, raw UTF-8.
  std::string clean_text(std::size_t max_parts) {
    static const std::vector<std::string> parts = {
      "hello", "a", "0123456789", " ", "é", "日本", "😀", "\\n", "\\t", "\\\"", "\\\\",
      "\\/", "\\b", "\\f", "\\r", "\\u00e9", "\\u65e5", "\\ud83d\\ude00", "\\u0041",
      "\x7f", "'", "{", "}", ",", ":", "[", "]"};
    std::string out;
    auto n = pick(max_parts + 1);
    for (std::size_t i = 0; i < n; ++i)
      out += parts[pick(parts.size())];
    return out;
  }

  // String contents as written in JSON: plain text, escapes (some broken),
  // raw UTF-8 (some broken), control characters.
  std::string string_text(std::size_t max_parts) {
    static const std::vector<std::string> parts = {
      "hello", "a", "0123456789", " ", "é", "日本", "😀", "\\n", "\\t", "\\\"", "\\\\",
      "\\/", "\\b", "\\f", "\\r", "\\u00e9", "\\u65e5", "\\ud83d\\ude00", "\\u0041",
      "\\u0000", "\\ud83d", "\\ude00", "\\ud83dx", "\\u12", "\\x", "\\", "\x7f", "\x01",
      "\xc3", "\xe6\x97", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "'", "{", "}",
      ",", ":", "[", "]"};
    std::string out;
    auto n = pick(max_parts + 1);
    for (std::size_t i = 0; i < n; ++i)
      out += parts[pick(parts.size())];
    return out;
  }

  std::string quoted(const std::string& text) { return "\"" + text + "\""; }

  std::string integer() {
    static const std::vector<std::string> forms = {
      "0", "7", "42", "-1", "-42", "-0", "007", "1.0", "1e3", "1E3", "-", "12x",
      "123456789012345678", "-123456789012345678", "1234567890123456789",
      "18446744073709551615", "18446744073709551616", "99999999999999999999"};
    return forms[pick(forms.size())];
  }

  std::string id_value() {
    switch (pick(8)) {
      case 0: return quoted(std::to_string(1 + pick(1000000)));
      case 1: return quoted("\\u0031" + std::to_string(pick(100)));
      case 2: return quoted("0");
      case 3: return quoted("-5");
      case 4: return quoted(string_text(2));
      case 5: return integer();
      case 6: return chance(50) ? "null" : "true";
      default: return quoted(std::to_string(pick(1u << 30)));
    }
  }

  std::string client_id_value() {
    switch (pick(5)) {
      case 0: return integer();
      case 1: return quoted(string_text(3));
      case 2: return quoted(std::string(128 + pick(2), 'x'));
      case 3: return chance(50) ? "\"\"" : "1.5";
      default: return quoted("c" + std::to_string(pick(1000)));
    }
  }

  std::string any_value(int depth) {
    switch (pick(depth > 1 ? 6 : 8)) {
      case 0: return quoted(string_text(4));
      case 1: return integer();
      case 2: return "true";
      case 3: return "false";
      case 4: return "null";
      case 5: return "nul";
      case 6: return "{\"k\":" + any_value(depth + 1) + "}";
      default: return "[" + any_value(depth + 1) + "," + any_value(depth + 1) + "]";
    }
  }

  // A frame the one-pass reader should take: only valid choices, still in
  // any order, spacing and escaping.
  std::string clean_frame() {
    std::vector<std::pair<std::string, std::string>> fields;
    fields.emplace_back("type", "\"send\"");
    static const std::vector<std::string> ids = {"0", "7", "-42", "123456789012345678"};
    fields.emplace_back("id", chance(50) ? ids[pick(ids.size())] : quoted("c" + clean_text(2)));
    fields.emplace_back(chance(50) ? "to" : "conversation",
                        quoted(std::to_string(1 + pick(1000000))));
    fields.emplace_back("body", quoted(clean_text(8)));
    if (chance(20))
      fields.emplace_back("media", "null");
    if (chance(30))
      fields.emplace_back("x", chance(50) ? quoted(clean_text(3)) : "true");
    return render(fields);
  }

  std::string render(std::vector<std::pair<std::string, std::string>> fields) {
    std::shuffle(fields.begin(), fields.end(), rng);
    std::string out = space() + "{";
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i > 0)
        out += space() + ",";
      out += space() + quoted(fields[i].first) + space() + ":" + space() + fields[i].second;
    }
    return out + space() + "}" + space();
  }

  std::string frame() {
    std::vector<std::pair<std::string, std::string>> fields;
    static const std::vector<std::string> types = {"\"send\"", "\"send\"", "\"send\"",
                                                   "\"s\\u0065nd\"", "\"ping\"", "\"Send\"",
                                                   "5", "null"};
    if (chance(95))
      fields.emplace_back("type", types[pick(types.size())]);
    if (chance(92))
      fields.emplace_back("id", client_id_value());
    auto target = pick(10);
    if (target < 6 || target == 9)
      fields.emplace_back("to", id_value());
    if (target >= 6)
      fields.emplace_back("conversation", id_value());
    if (chance(95))
      fields.emplace_back("body", chance(80) ? quoted(string_text(8)) : any_value(0));
    if (chance(10))
      fields.emplace_back("media", chance(50) ? "null" : "[\"" + std::string(32, 'a') + "\"]");
    auto extra = pick(3);
    for (std::size_t i = 0; i < extra; ++i)
      fields.emplace_back(chance(50) ? "x" + std::to_string(pick(5)) : "b\\u006fdy",
                          any_value(0));
    if (chance(5) && !fields.empty())
      fields.push_back(fields[pick(fields.size())]); // a duplicate key
    auto out = render(std::move(fields));
    switch (pick(40)) {
      case 0: out.resize(pick(out.size() + 1)); break; // truncated
      case 1: out += "x"; break;                        // trailing bytes
      case 2: out = "\xEF\xBB\xBF" + out; break;         // a byte order mark
      case 3: out += "{}"; break;
      default: break;
    }
    return out;
  }
};

} // namespace

TEST_CASE("plain sends read in one pass equal the full parser's, over random frames") {
  generator gen{20261128};
  int taken = 0;
  const int frames = 200000;
  for (int i = 0; i < frames; ++i) {
    auto text = i % 2 ? gen.frame() : gen.clean_frame();
    INFO("frame: " << text);
    auto full = parse_frame_with_dom(text);
    if (auto plain = read_plain_send(text)) {
      ++taken;
      REQUIRE(std::holds_alternative<send_frame>(full));
      REQUIRE(same_send(*plain, std::get<send_frame>(full)));
    }
    REQUIRE(same_result(parse_frame(text), full));
  }
  // Clean frames (half) all take the one-pass path; the others seldom.
  CHECK(taken >= frames / 2);
  CHECK(taken < frames * 6 / 10);
}

TEST_CASE("the frames clients send most are read in one pass") {
  for (auto text : {
         R"({"type":"send","id":"c1","to":"42","body":"hi"})",
         R"({"type":"send","id":7,"conversation":"99","body":"caf\u00e9 \ud83d\ude00"})",
         R"({"type":"send","id":288230376151711744,"to":"3","body":"p1:2:3"})",
         "{ \"type\" : \"send\", \"id\" : \"x\", \"to\" : \"5\", \"body\" : \"日本\", \"media\" : null }\n",
       }) {
    INFO(text);
    auto plain = read_plain_send(text);
    REQUIRE(plain);
    REQUIRE(same_send(*plain, std::get<send_frame>(parse_frame_with_dom(text))));
  }
  auto f = *read_plain_send(R"({"type":"send","id":"a\"b","to":"42","body":"x\ny"})");
  CHECK(f.client_id == R"("a\"b")");
  CHECK(f.to == 42);
  CHECK(f.body == "x\ny");
}

TEST_CASE("what the one-pass reader leaves to the full parser") {
  for (auto text : {
         R"({"type":"send","id":"c1","to":"42","body":"hi","media":["0123456789abcdef0123456789abcdef"]})",
         R"({"type":"send","id":"c1","to":"42","body":"hi","body":"again"})",
         R"({"type":"send","id":"c1","to":"42","conversation":"43","body":"hi"})",
         R"({"type":"send","id":-0,"to":"42","body":"hi"})",
         R"({"type":"send","id":1.5,"to":"42","body":"hi"})",
         R"({"type":"send","id":"c1","to":42,"body":"hi"})",
         R"({"type":"send","id":"c1","to":"42","body":"a\u0000b"})",
         R"({"type":"send","id":"c1","to":"42","body":"\ud800"})",
         R"({"type":"send","id":"c1","to":"42","body":"hi","x":{"nested":true}})",
         R"({"type":"s\u0065nd","id":"c1","to":"42","body":"hi"})",
         R"({"type":"receipt","status":"read","conversation":"1","up_to":3})",
         R"({"type":"send","id":"c1","to":"42","body":"hi"} x)",
         "{\"type\":\"send\",\"id\":\"c1\",\"to\":\"42\",\"body\":\"\xc3\"}",
       }) {
    INFO(text);
    CHECK_FALSE(read_plain_send(text));
    CHECK(same_result(parse_frame(text), parse_frame_with_dom(text)));
  }
}
