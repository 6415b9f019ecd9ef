#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "wire/ws_framing.hpp"
#include "wire/ws_reader.hpp"

using parley::wire::valid_utf8;
using parley::wire::ws_reader;
using parley::wire::ws_violation;

namespace {

constexpr std::size_t soft = 1000;
constexpr std::size_t hard = 5000;

// What a reader reported, in order, as readable strings.
struct recorder : parley::wire::ws_read_events {
  std::vector<std::string> events;
  void on_text(std::string m) override {
    events.push_back("text:" + m);
  }
  void on_binary() override {
    events.push_back("binary");
  }
  void on_oversize() override {
    events.push_back("oversize");
  }
  void on_ping(std::string_view p) override {
    events.push_back("ping:" + std::string(p));
  }
  void on_pong() override {
    events.push_back("pong");
  }
  void on_close(std::optional<std::uint16_t> code, std::string_view reason) override {
    events.push_back("close:" + (code ? std::to_string(*code) : "none") + ":"
                     + std::string(reason));
  }
};

// A client frame: masked with a fixed key, the length encoded in `form`
// bytes (0: 7-bit, 2: 16-bit, 8: 64-bit) unless left to the minimum.
std::string client_frame(std::uint8_t opcode, std::string_view payload, bool fin = true,
                         bool masked = true, int form = -1) {
  const unsigned char key[4] = {0x12, 0x34, 0x56, 0x78};
  std::string f;
  f.push_back(static_cast<char>((fin ? 0x80 : 0) | opcode));
  auto n = payload.size();
  if (form < 0)
    form = n < 126 ? 0 : n <= 0xffff ? 2 : 8;
  unsigned char mask_bit = masked ? 0x80 : 0;
  if (form == 0) {
    f.push_back(static_cast<char>(mask_bit | n));
  } else {
    f.push_back(static_cast<char>(mask_bit | (form == 2 ? 126 : 127)));
    for (int shift = (form - 1) * 8; shift >= 0; shift -= 8)
      f.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xff));
  }
  if (masked)
    f.append(reinterpret_cast<const char*>(key), 4);
  for (std::size_t i = 0; i < n; ++i)
    f.push_back(static_cast<char>(payload[i] ^ (masked ? key[i % 4] : 0)));
  return f;
}

std::string close_payload(std::uint16_t code, std::string_view reason = {}) {
  std::string p;
  p.push_back(static_cast<char>(code >> 8));
  p.push_back(static_cast<char>(code & 0xff));
  p.append(reason);
  return p;
}

struct outcome {
  std::vector<std::string> events;
  std::optional<ws_violation> violation;
};

// Feeds `bytes` in pieces of `piece` bytes (0: all at once).
outcome read_all(const std::string& bytes, std::size_t piece = 0) {
  ws_reader reader(soft, hard);
  recorder rec;
  outcome out;
  if (piece == 0)
    piece = bytes.size() + 1;
  for (std::size_t at = 0; at < bytes.size() && !out.violation; at += piece)
    out.violation = reader.feed(std::string_view(bytes).substr(at, piece), rec);
  out.events = rec.events;
  return out;
}

std::uint16_t violation_code(const std::string& bytes) {
  auto out = read_all(bytes);
  REQUIRE(out.violation);
  return out.violation->code;
}

} // namespace

TEST_CASE("masked text frames come out whole, however the bytes are split") {
  auto bytes = client_frame(0x1, "hello") + client_frame(0x1, std::string(300, 'y'))
               + client_frame(0x1, "");
  for (std::size_t piece : {0, 1, 2, 3, 7, 64}) {
    auto out = read_all(bytes, piece);
    CHECK_FALSE(out.violation);
    REQUIRE(out.events.size() == 3);
    CHECK(out.events[0] == "text:hello");
    CHECK(out.events[1] == "text:" + std::string(300, 'y'));
    CHECK(out.events[2] == "text:");
  }
}

TEST_CASE("a fragmented message is joined, with control frames between fragments") {
  auto bytes = client_frame(0x1, "hel", false) + client_frame(0x9, "are you there", true)
               + client_frame(0x0, "lo ", false) + client_frame(0x0, "world", true);
  auto out = read_all(bytes, 5);
  CHECK_FALSE(out.violation);
  CHECK(out.events == std::vector<std::string>{"ping:are you there", "text:hello world"});
}

TEST_CASE("64-bit lengths, binary messages, pongs") {
  ws_reader reader(100000, 200000);
  recorder rec;
  auto big = std::string(70000, 'z');
  CHECK_FALSE(reader.feed(client_frame(0x1, big) + client_frame(0x2, "\x01\x02")
                            + client_frame(0xa, "x"),
                          rec));
  REQUIRE(rec.events.size() == 3);
  CHECK(rec.events[0] == "text:" + big);
  CHECK(rec.events[1] == "binary");
  CHECK(rec.events[2] == "pong");
  CHECK(reader.idle());
}

TEST_CASE("a message over the soft limit is skipped and reported; the next one is read") {
  auto bytes = client_frame(0x1, std::string(600, 'a'), false)
               + client_frame(0x0, std::string(600, 'b'), true) + client_frame(0x1, "next");
  auto out = read_all(bytes, 100);
  CHECK_FALSE(out.violation);
  CHECK(out.events == std::vector<std::string>{"oversize", "text:next"});
}

TEST_CASE("a message over the hard limit ends the connection with 1009") {
  CHECK(violation_code(client_frame(0x1, std::string(hard + 1, 'a'))) == 1009);
  CHECK(violation_code(client_frame(0x1, std::string(3000, 'a'), false)
                       + client_frame(0x0, std::string(3000, 'a'))) == 1009);
}

TEST_CASE("what RFC 6455 forbids is a protocol error (1002)") {
  CHECK(violation_code(client_frame(0x1, "x", true, false)) == 1002); // unmasked
  CHECK(violation_code(std::string("\xc1\x80\0\0\0\0", 6)) == 1002);  // RSV1 set
  CHECK(violation_code(client_frame(0x3, "x")) == 1002);              // unknown data opcode
  CHECK(violation_code(client_frame(0xb, "x")) == 1002);              // unknown control opcode
  CHECK(violation_code(client_frame(0x9, "x", false)) == 1002);       // fragmented ping
  CHECK(violation_code(client_frame(0x9, std::string(126, 'p'))) == 1002);
  CHECK(violation_code(client_frame(0x0, "x")) == 1002); // continuation of nothing
  CHECK(violation_code(client_frame(0x1, "a", false) + client_frame(0x1, "b")) == 1002);
  CHECK(violation_code(client_frame(0x1, "short", true, true, 2)) == 1002); // not minimal
  CHECK(violation_code(client_frame(0x1, std::string(200, 'a'), true, true, 8)) == 1002);
  CHECK(violation_code(std::string("\x81\xff\x80\0\0\0\0\0\0\0", 10) + "mask") == 1002);
}

TEST_CASE("text that is not UTF-8 ends the connection with 1007") {
  CHECK(violation_code(client_frame(0x1, "\xff")) == 1007);
  // Split inside a character: valid only when joined.
  auto out = read_all(client_frame(0x1, "\xc3", false) + client_frame(0x0, "\xa9"));
  CHECK_FALSE(out.violation);
  CHECK(out.events == std::vector<std::string>{"text:\xc3\xa9"});
}

TEST_CASE("close frames: code and reason, no code, and malformed ones") {
  auto out = read_all(client_frame(0x8, close_payload(1000, "bye")) + client_frame(0x1, "late"));
  CHECK_FALSE(out.violation);
  CHECK(out.events == std::vector<std::string>{"close:1000:bye"}); // nothing after a close
  CHECK(read_all(client_frame(0x8, "")).events == std::vector<std::string>{"close:none:"});
  CHECK(read_all(client_frame(0x8, close_payload(4001))).events
        == std::vector<std::string>{"close:4001:"});
  CHECK(violation_code(client_frame(0x8, "x")) == 1002);                    // 1-byte payload
  CHECK(violation_code(client_frame(0x8, close_payload(1005))) == 1002);    // reserved code
  CHECK(violation_code(client_frame(0x8, close_payload(999))) == 1002);
  CHECK(violation_code(client_frame(0x8, close_payload(5000))) == 1002);
  CHECK(violation_code(client_frame(0x8, close_payload(1000, "\xc0\xaf"))) == 1007);
}

TEST_CASE("UTF-8 validation") {
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("plain ascii {\"json\": 1}"));
  CHECK(valid_utf8("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")); // été € 😀
  CHECK(valid_utf8("\xf4\x8f\xbf\xbf"));                                  // U+10FFFF
  CHECK_FALSE(valid_utf8("\xc0\xaf"));         // overlong '/'
  CHECK_FALSE(valid_utf8("\xe0\x80\xaf"));     // overlong, 3 bytes
  CHECK_FALSE(valid_utf8("\xed\xa0\x80"));     // surrogate U+D800
  CHECK_FALSE(valid_utf8("\xf4\x90\x80\x80")); // past U+10FFFF
  CHECK_FALSE(valid_utf8("\x80"));             // lone continuation byte
  CHECK_FALSE(valid_utf8("\xe2\x82"));         // cut short
}

TEST_CASE("server control frames and the handshake answer") {
  using namespace parley::wire;
  std::string out;
  append_close_frame(out, 1013, "too slow");
  CHECK(out == std::string("\x88\x0a\x03\xf5too slow", 12));
  out.clear();
  append_close_frame(out, 1000, std::string(200, 'r'));
  CHECK(out.size() == 2 + 125); // cut to fit a control frame
  out.clear();
  append_pong_frame(out, "abc");
  CHECK(out == "\x8a\x03" "abc");
  // The example of RFC 6455 section 1.3.
  CHECK(valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ=="));
  CHECK(websocket_accept("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  CHECK_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ"));
  CHECK_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25jZ!=="));
}
