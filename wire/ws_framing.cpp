#include "wire/ws_framing.hpp"

#include <openssl/evp.h>

#include <algorithm>

namespace parley::wire {

namespace {

constexpr unsigned char fin = 0x80;
constexpr unsigned char op_text = 0x1;
constexpr unsigned char op_close = 0x8;
constexpr unsigned char op_pong = 0xa;
constexpr std::size_t max_control_payload = 125;

void append_header(std::string& out, unsigned char opcode, std::size_t length) {
  auto n = static_cast<std::uint64_t>(length);
  out.push_back(static_cast<char>(fin | opcode));
  if (n < 126) {
    out.push_back(static_cast<char>(n));
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(126)); // 16-bit length follows
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  } else {
    out.push_back(static_cast<char>(127)); // 64-bit length follows
    for (int shift = 56; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((n >> shift) & 0xff));
  }
}

void append_frame(std::string& out, unsigned char opcode, std::string_view payload) {
  append_header(out, opcode, payload.size());
  out.append(payload);
}

// Cut at a character boundary, so the reason stays valid UTF-8.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes)
    return text;
  auto end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80)
    --end;
  return text.substr(0, end);
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
         || c == '+' || c == '/';
}

} // namespace

void append_text_frame(std::string& out, std::string_view payload) {
  append_frame(out, op_text, payload);
}

void append_text_header(std::string& out, std::size_t length) {
  append_header(out, op_text, length);
}

void append_pong_frame(std::string& out, std::string_view payload) {
  append_frame(out, op_pong, payload.substr(0, max_control_payload));
}

void append_close_frame(std::string& out, std::uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xff));
  payload.append(utf8_prefix(reason, max_control_payload - 2));
  append_frame(out, op_close, payload);
}

void append_empty_close_frame(std::string& out) {
  append_frame(out, op_close, {});
}

bool valid_websocket_key(std::string_view key) {
  // 16 bytes encode to 22 characters and "==" of padding.
  return key.size() == 24 && key.substr(22) == "=="
         && std::all_of(key.begin(), key.begin() + 22, is_base64_char);
}

std::string websocket_accept(std::string_view key) {
  static constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input(key);
  input.append(guid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_Digest(input.data(), input.size(), digest, &digest_len, EVP_sha1(), nullptr);
  unsigned char encoded[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  auto n = EVP_EncodeBlock(encoded, digest, static_cast<int>(digest_len));
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n));
}

} // namespace parley::wire
