// libFuzzer target for the websocket frame parser: any byte string must be
// read without crashing, every text message it yields must be UTF-8 within
// the soft limit, and the bytes must mean the same whether they arrive at
// once or split in two (the socket decides where reads end, not the peer).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "wire/ws_reader.hpp"

namespace {

struct log_events : parley::wire::ws_read_events {
  std::string log;
  void on_text(std::string m) override {
    if (m.size() > 512 || !parley::wire::valid_utf8(m))
      __builtin_trap();
    log += "T" + std::to_string(m.size()) + ":" + m;
  }
  void on_binary() override {
    log += "B";
  }
  void on_oversize() override {
    log += "O";
  }
  void on_ping(std::string_view p) override {
    if (p.size() > 125)
      __builtin_trap();
    log += "P" + std::string(p);
  }
  void on_pong() override {
    log += "Q";
  }
  void on_close(std::optional<std::uint16_t> code, std::string_view reason) override {
    log += "C" + std::to_string(code.value_or(0)) + std::string(reason);
  }
};

std::string read(std::string_view bytes, std::size_t split) {
  parley::wire::ws_reader reader(512, 2048);
  log_events events;
  auto violation = reader.feed(bytes.substr(0, split), events);
  if (!violation)
    violation = reader.feed(bytes.substr(split), events);
  if (violation)
    events.log += "V" + std::to_string(violation->code);
  return events.log;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  // The first byte chooses where the second read starts.
  std::string_view bytes{reinterpret_cast<const char*>(data) + 1, size - 1};
  auto split = data[0] % (bytes.size() + 1);
  if (read(bytes, bytes.size()) != read(bytes, split))
    __builtin_trap();
  return 0;
}
