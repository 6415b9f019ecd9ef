#pragma once
// Byte strings of the E2E layer (../shared/E2E.md §1): raw keys, HEX and
// the strict B64 every Parley client must use.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::e2e {

using bytes = std::vector<std::uint8_t>;

bytes to_bytes(std::string_view text);
std::string to_string(const bytes& b);

// Lowercase hex; decoding takes either case and refuses odd lengths and
// other characters.
std::string hex(const bytes& b);
std::optional<bytes> from_hex(std::string_view text);

// RFC 4648 §4 with padding. Decoding refuses any other character, missing
// or extra padding and non-zero unused bits; `length` (if not 0) is the
// only decoded length accepted.
std::string b64(const bytes& b);
std::optional<bytes> from_b64(std::string_view text, std::size_t length = 0);

bytes u16be(std::uint16_t n);
bytes u32be(std::uint32_t n);

// a || b || ...
template <class... Parts>
bytes concat(const Parts&... parts) {
  bytes out((std::size(parts) + ... + 0));
  auto* at = out.data();
  ((at = std::copy(std::begin(parts), std::end(parts), at)), ...);
  return out;
}

// Compares in constant time (MACs).
bool equal_secret(const bytes& a, const bytes& b);

} // namespace parley::e2e
