#pragma once
// HTTP Range header parsing (RFC 9110, single byte ranges). Pure.
#include <cstdint>
#include <string_view>

namespace parley::wire {

struct byte_range {
  enum kind_t { whole, partial, unsatisfiable } kind = whole;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

// `header` is the Range header's value ("" if absent). Multiple ranges and
// other units are answered with the whole file, as RFC 9110 allows.
byte_range parse_range(std::string_view header, std::uint64_t size);

} // namespace parley::wire
