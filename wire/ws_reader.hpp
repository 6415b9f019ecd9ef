#pragma once
// Websocket frames as a server reads them (RFC 6455 section 5): an
// incremental parser fed whatever bytes the socket returned, which hands
// back whole messages and control frames and refuses what the RFC forbids.
//
// Why our own and not Beast's read path: Beast's stream keeps a 1.5 KiB
// read buffer and a timer inside every connection and a large operation
// pending on every idle socket. A connection here holds no buffer between
// messages (the socket is read into a per-thread buffer), which is most of
// what lets an idle authenticated connection fit the memory target
// (docs/benchmarks.md). Beast still parses the HTTP upgrade request.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wire/utf8.hpp"

namespace parley::wire {

// What the connection does with what the reader found.
class ws_read_events {
public:
  virtual ~ws_read_events() = default;
  virtual void on_text(std::string message) = 0;
  virtual void on_binary() = 0;
  // A message larger than the reader's soft limit was skipped whole.
  virtual void on_oversize() = 0;
  virtual void on_ping(std::string_view payload) = 0;
  virtual void on_pong() = 0;
  // The peer's close frame; `code` is absent if it carried none.
  virtual void on_close(std::optional<std::uint16_t> code, std::string_view reason) = 0;
};

// A protocol violation: the connection must be closed with `code`.
struct ws_violation {
  std::uint16_t code; // 1002 protocol error, 1007 bad UTF-8, 1009 too big
  std::string reason;
};

class ws_reader {
public:
  // Messages over `soft_limit` bytes are skipped (and reported); a message
  // over `hard_limit` is abuse and ends the connection (1009).
  ws_reader(std::size_t soft_limit, std::size_t hard_limit);

  // Consumes every byte of `bytes`, reporting to `out` as frames complete.
  // After a violation, or after a close frame, the rest is ignored.
  std::optional<ws_violation> feed(std::string_view bytes, ws_read_events& out);

  // True between messages (no frame or message half read).
  bool idle() const noexcept;

private:
  struct header {
    bool fin = false;
    std::uint8_t opcode = 0;
    std::uint64_t length = 0;
    unsigned char mask[4] = {};
  };

  std::size_t header_size() const noexcept;
  std::size_t take_header(std::string_view bytes);
  std::optional<ws_violation> check_header();
  std::optional<ws_violation> start_data_frame();
  std::size_t take_payload(std::string_view bytes);
  std::optional<ws_violation> finish_frame(ws_read_events& out);
  std::optional<ws_violation> finish_control(ws_read_events& out);

  std::size_t soft_limit_;
  std::size_t hard_limit_;

  // The frame being read: its header bytes, then its payload.
  unsigned char raw_header_[14] = {};
  std::size_t header_bytes_ = 0;
  bool in_payload_ = false;
  header frame_;
  std::uint64_t payload_read_ = 0;
  // Control frame payloads are at most 125 bytes and never fragmented.
  char control_[125] = {};

  // The message being assembled from one or more data frames.
  bool in_message_ = false;
  bool message_is_text_ = false;
  bool skipping_ = false;
  std::uint64_t message_size_ = 0;
  std::string message_;

  bool done_ = false;
};

} // namespace parley::wire
