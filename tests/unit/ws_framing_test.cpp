#include <catch2/catch.hpp>

#include "wire/ws_framing.hpp"

using parley::wire::append_text_frame;

namespace {

std::string frame_of(std::size_t payload_size) {
  std::string out;
  append_text_frame(out, std::string(payload_size, 'x'));
  return out;
}

unsigned byte(const std::string& s, std::size_t i) {
  return static_cast<unsigned char>(s.at(i));
}

} // namespace

TEST_CASE("short text frames have a 2-byte header, unmasked") {
  auto f = frame_of(125);
  CHECK(f.size() == 2 + 125);
  CHECK(byte(f, 0) == 0x81); // FIN, text
  CHECK(byte(f, 1) == 125);  // mask bit clear: servers never mask
  CHECK(frame_of(0) == std::string("\x81\x00", 2));
}

TEST_CASE("126..65535 bytes take a 16-bit length, big-endian") {
  auto f = frame_of(126);
  CHECK(f.size() == 4 + 126);
  CHECK(byte(f, 1) == 126);
  CHECK(byte(f, 2) == 0);
  CHECK(byte(f, 3) == 126);
  auto g = frame_of(65535);
  CHECK(g.size() == 4 + 65535);
  CHECK(byte(g, 2) == 0xff);
  CHECK(byte(g, 3) == 0xff);
}

TEST_CASE("65536 bytes and more take a 64-bit length, big-endian") {
  auto f = frame_of(65536 + 258);
  CHECK(f.size() == 10 + 65536 + 258);
  CHECK(byte(f, 1) == 127);
  for (std::size_t i = 2; i < 7; ++i)
    CHECK(byte(f, i) == 0);
  CHECK(byte(f, 7) == 0x01);
  CHECK(byte(f, 8) == 0x01);
  CHECK(byte(f, 9) == 0x02);
}

TEST_CASE("frames appended one after another keep their payloads intact") {
  std::string out;
  append_text_frame(out, R"({"type":"ack"})");
  append_text_frame(out, "second");
  CHECK(out == std::string("\x81\x0e") + R"({"type":"ack"})" + "\x81\x06second");
}
