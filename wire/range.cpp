#include "wire/range.hpp"

#include <charconv>
#include <optional>

namespace parley::wire {

namespace {

std::optional<std::uint64_t> number(std::string_view s) {
  std::uint64_t v = 0;
  if (s.empty())
    return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

} // namespace

byte_range parse_range(std::string_view header, std::uint64_t size) {
  byte_range whole{byte_range::whole, 0, size};
  constexpr std::string_view unit = "bytes=";
  if (header.substr(0, unit.size()) != unit)
    return whole;
  auto spec = header.substr(unit.size());
  if (spec.find(',') != std::string_view::npos)
    return whole;
  auto dash = spec.find('-');
  if (dash == std::string_view::npos)
    return {byte_range::unsatisfiable};
  auto first = spec.substr(0, dash);
  auto last = spec.substr(dash + 1);
  if (first.empty()) { // suffix: the last N bytes
    auto n = number(last);
    if (!n || *n == 0 || size == 0)
      return {byte_range::unsatisfiable};
    auto len = std::min(*n, size);
    return {byte_range::partial, size - len, len};
  }
  auto start = number(first);
  if (!start || *start >= size)
    return {byte_range::unsatisfiable};
  auto end = size - 1;
  if (!last.empty()) {
    auto e = number(last);
    if (!e || *e < *start)
      return {byte_range::unsatisfiable};
    end = std::min(*e, size - 1);
  }
  return {byte_range::partial, *start, end - *start + 1};
}

} // namespace parley::wire
