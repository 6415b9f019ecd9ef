#include "wire/e2e/bytes.hpp"

#include <openssl/crypto.h>

#include "wire/hex_digit.hpp"

namespace parley::e2e {

using wire::hex_value;

bytes to_bytes(std::string_view text) {
  return bytes(text.begin(), text.end());
}

std::string to_string(const bytes& b) {
  return std::string(b.begin(), b.end());
}

std::string hex(const bytes& b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(b.size() * 2);
  for (auto byte : b) {
    out += digits[byte >> 4];
    out += digits[byte & 15];
  }
  return out;
}

namespace {

constexpr char b64_digits[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

} // namespace

std::optional<bytes> from_hex(std::string_view text) {
  if (text.size() % 2 != 0)
    return std::nullopt;
  bytes out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int hi = hex_value(text[i]), lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

std::string b64(const bytes& b) {
  std::string out;
  out.reserve((b.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < b.size(); i += 3) {
    std::uint32_t n = std::uint32_t{b[i]} << 16;
    if (i + 1 < b.size())
      n |= std::uint32_t{b[i + 1]} << 8;
    if (i + 2 < b.size())
      n |= b[i + 2];
    out += b64_digits[n >> 18 & 63];
    out += b64_digits[n >> 12 & 63];
    out += i + 1 < b.size() ? b64_digits[n >> 6 & 63] : '=';
    out += i + 2 < b.size() ? b64_digits[n & 63] : '=';
  }
  return out;
}

std::optional<bytes> from_b64(std::string_view text, std::size_t length) {
  if (text.size() % 4 != 0)
    return std::nullopt;
  bytes out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    int pad = 0;
    if (last && text[i + 3] == '=')
      pad = text[i + 2] == '=' ? 2 : 1;
    std::uint32_t n = 0;
    for (int k = 0; k < 4; ++k) {
      if (k >= 4 - pad) {
        n <<= 6;
        continue;
      }
      int v = b64_value(text[i + k]);
      if (v < 0)
        return std::nullopt; // '=' in the middle lands here too
      n = n << 6 | static_cast<std::uint32_t>(v);
    }
    // The unused bits of the last character must be zero.
    if ((pad == 1 && (n & 0xff) != 0) || (pad == 2 && (n & 0xffff) != 0))
      return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(n >> 16));
    if (pad < 2)
      out.push_back(static_cast<std::uint8_t>(n >> 8));
    if (pad < 1)
      out.push_back(static_cast<std::uint8_t>(n));
  }
  if (length != 0 && out.size() != length)
    return std::nullopt;
  return out;
}

bytes u16be(std::uint16_t n) {
  return {static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
}

bytes u32be(std::uint32_t n) {
  return {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
          static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
}

bool equal_secret(const bytes& a, const bytes& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace parley::e2e
