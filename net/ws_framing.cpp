#include "net/ws_framing.hpp"

#include <cstdint>

namespace parley::net {

void append_text_frame(std::string& out, std::string_view payload) {
  constexpr unsigned char fin_text = 0x81; // FIN bit, opcode 1 (text)
  auto n = static_cast<std::uint64_t>(payload.size());
  out.push_back(static_cast<char>(fin_text));
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
  out.append(payload);
}

} // namespace parley::net
