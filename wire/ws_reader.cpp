#include "wire/ws_reader.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace parley::wire {

namespace {

constexpr std::uint8_t op_continuation = 0x0;
constexpr std::uint8_t op_text = 0x1;
constexpr std::uint8_t op_binary = 0x2;
constexpr std::uint8_t op_close = 0x8;
constexpr std::uint8_t op_ping = 0x9;
constexpr std::uint8_t op_pong = 0xa;

constexpr std::uint16_t protocol_error = 1002;
constexpr std::uint16_t invalid_payload = 1007;
constexpr std::uint16_t too_big = 1009;

bool is_control(std::uint8_t opcode) {
  return opcode >= op_close;
}

// Codes a peer may send (RFC 6455 section 7.4 and the IANA registry);
// 1005, 1006 and 1015 are reserved for reporting and never sent.
bool valid_close_code(std::uint16_t code) {
  if (code >= 3000 && code <= 4999)
    return true;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

std::uint64_t big_endian(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v = (v << 8) | p[i];
  return v;
}

ws_violation protocol(std::string reason) {
  return {protocol_error, std::move(reason)};
}

} // namespace

ws_reader::ws_reader(std::size_t soft_limit, std::size_t hard_limit)
  : soft_limit_(soft_limit), hard_limit_(hard_limit) {
}

bool ws_reader::idle() const noexcept {
  return !in_message_ && header_bytes_ == 0 && !in_payload_;
}

std::optional<ws_violation> ws_reader::feed(std::string_view bytes, ws_read_events& out) {
  while (!done_) {
    if (!in_payload_) {
      if (bytes.empty())
        break;
      bytes.remove_prefix(take_header(bytes));
      if (header_bytes_ < 2 || header_bytes_ < header_size())
        break;
      if (auto bad = check_header()) {
        done_ = true;
        return bad;
      }
      in_payload_ = true;
    }
    bytes.remove_prefix(take_payload(bytes));
    if (payload_read_ < frame_.length)
      break;
    if (auto bad = finish_frame(out)) {
      done_ = true;
      return bad;
    }
  }
  return std::nullopt;
}

// 2 bytes, then 0, 2 or 8 of extended length, then the 4-byte mask key.
std::size_t ws_reader::header_size() const noexcept {
  auto len7 = raw_header_[1] & 0x7f;
  std::size_t extended = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
  bool masked = raw_header_[1] & 0x80;
  return 2 + extended + (masked ? 4 : 0);
}

std::size_t ws_reader::take_header(std::string_view bytes) {
  std::size_t used = 0;
  auto copy_up_to = [&](std::size_t size) {
    auto n = std::min(size - header_bytes_, bytes.size() - used);
    std::memcpy(raw_header_ + header_bytes_, bytes.data() + used, n);
    header_bytes_ += n;
    used += n;
  };
  if (header_bytes_ < 2)
    copy_up_to(2);
  if (header_bytes_ >= 2)
    copy_up_to(header_size());
  return used;
}

std::optional<ws_violation> ws_reader::check_header() {
  const unsigned char* h = raw_header_;
  frame_.fin = h[0] & 0x80;
  frame_.opcode = h[0] & 0x0f;
  if (h[0] & 0x70)
    return protocol("reserved bits set (no extension was negotiated)");
  if (!(h[1] & 0x80))
    return protocol("client frames must be masked");
  auto len7 = h[1] & 0x7f;
  std::size_t at = 2;
  if (len7 == 126) {
    frame_.length = big_endian(h + 2, 2);
    at += 2;
    if (frame_.length < 126)
      return protocol("frame length not minimally encoded");
  } else if (len7 == 127) {
    frame_.length = big_endian(h + 2, 8);
    at += 8;
    if (frame_.length >> 63)
      return protocol("frame length has its top bit set");
    if (frame_.length <= 0xffff)
      return protocol("frame length not minimally encoded");
  } else {
    frame_.length = len7;
  }
  std::memcpy(frame_.mask, h + at, 4);

  if (is_control(frame_.opcode)) {
    if (frame_.opcode != op_close && frame_.opcode != op_ping && frame_.opcode != op_pong)
      return protocol("unknown opcode");
    if (!frame_.fin)
      return protocol("fragmented control frame");
    if (frame_.length > sizeof control_)
      return protocol("control frame over 125 bytes");
    return std::nullopt;
  }
  return start_data_frame();
}

std::optional<ws_violation> ws_reader::start_data_frame() {
  if (frame_.opcode == op_continuation) {
    if (!in_message_)
      return protocol("continuation frame outside a message");
  } else if (frame_.opcode == op_text || frame_.opcode == op_binary) {
    if (in_message_)
      return protocol("new message before the previous one ended");
    in_message_ = true;
    message_is_text_ = frame_.opcode == op_text;
    skipping_ = false;
    message_size_ = 0;
  } else {
    return protocol("unknown opcode");
  }
  if (frame_.length > hard_limit_ - message_size_)
    return ws_violation{too_big, "message too big"};
  message_size_ += frame_.length;
  if (message_size_ > soft_limit_ && !skipping_) {
    skipping_ = true;
    std::string().swap(message_);
  }
  return std::nullopt;
}

std::size_t ws_reader::take_payload(std::string_view bytes) {
  auto n = static_cast<std::size_t>(
    std::min<std::uint64_t>(frame_.length - payload_read_, bytes.size()));
  auto unmasked = [this](char c, std::uint64_t pos) {
    return static_cast<char>(c ^ frame_.mask[pos % 4]);
  };
  if (is_control(frame_.opcode)) {
    for (std::size_t i = 0; i < n; ++i)
      control_[payload_read_ + i] = unmasked(bytes[i], payload_read_ + i);
  } else if (!skipping_) {
    auto start = message_.size();
    message_.resize(start + n);
    for (std::size_t i = 0; i < n; ++i)
      message_[start + i] = unmasked(bytes[i], payload_read_ + i);
  }
  payload_read_ += n;
  return n;
}

std::optional<ws_violation> ws_reader::finish_frame(ws_read_events& out) {
  header_bytes_ = 0;
  in_payload_ = false;
  payload_read_ = 0;
  if (is_control(frame_.opcode))
    return finish_control(out);
  if (!frame_.fin)
    return std::nullopt;
  in_message_ = false;
  if (skipping_) {
    skipping_ = false;
    out.on_oversize();
  } else if (!message_is_text_) {
    std::string().swap(message_);
    out.on_binary();
  } else if (!valid_utf8(message_)) {
    return ws_violation{invalid_payload, "text message is not valid UTF-8"};
  } else {
    out.on_text(std::exchange(message_, std::string()));
  }
  return std::nullopt;
}

std::optional<ws_violation> ws_reader::finish_control(ws_read_events& out) {
  std::string_view payload(control_, static_cast<std::size_t>(frame_.length));
  switch (frame_.opcode) {
  case op_ping:
    out.on_ping(payload);
    return std::nullopt;
  case op_pong:
    out.on_pong();
    return std::nullopt;
  default: // close
    break;
  }
  done_ = true;
  if (payload.empty()) {
    out.on_close(std::nullopt, {});
    return std::nullopt;
  }
  if (payload.size() == 1)
    return protocol("close frame with a 1-byte payload");
  auto code = static_cast<std::uint16_t>(
    big_endian(reinterpret_cast<const unsigned char*>(payload.data()), 2));
  if (!valid_close_code(code))
    return protocol("invalid close code");
  auto reason = payload.substr(2);
  if (!valid_utf8(reason))
    return ws_violation{invalid_payload, "close reason is not valid UTF-8"};
  out.on_close(code, reason);
  return std::nullopt;
}

} // namespace parley::wire
