#include "wire/utf8.hpp"

namespace parley::wire {

int utf8_sequence(std::string_view text, std::size_t at) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  auto lead = byte(at);
  if (lead < 0x80)
    return 1;
  // 80..C1 are continuation bytes or overlong leads; F5..FF lead past U+10FFFF.
  int length = lead < 0xC2 ? 0 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF5 ? 4 : 0;
  if (length == 0)
    return -1;
  // The second byte's range is narrower after four leads: that is what
  // rules out overlong forms, surrogates and code points past U+10FFFF.
  unsigned char low = 0x80, high = 0xBF;
  if (lead == 0xE0)
    low = 0xA0;
  else if (lead == 0xED)
    high = 0x9F;
  else if (lead == 0xF0)
    low = 0x90;
  else if (lead == 0xF4)
    high = 0x8F;
  for (int k = 1; k < length; ++k) {
    if (at + k >= text.size())
      return -k;
    auto c = byte(at + k);
    if (c < (k == 1 ? low : 0x80) || c > (k == 1 ? high : 0xBF))
      return -k;
  }
  return length;
}

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    auto length = utf8_sequence(text, i);
    if (length < 0)
      return false;
    i += static_cast<std::size_t>(length);
  }
  return true;
}

} // namespace parley::wire
