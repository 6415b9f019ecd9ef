#pragma once
// One hexadecimal digit's value, either case; -1 for any other character
// (JSON \u escapes, E2E keys in HEX).
namespace parley::wire {

constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace parley::wire
