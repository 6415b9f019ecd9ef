#include "wire/ids.hpp"

#include <charconv>
#include <chrono>
#include <stdexcept>

namespace parley {

namespace {

constexpr std::int64_t sequence_mask = (1 << sequence_bits) - 1;

id64 compose(std::int64_t since_epoch_ms, int node, int sequence) {
  return (since_epoch_ms << (node_bits + sequence_bits))
         | (static_cast<std::int64_t>(node) << sequence_bits) | sequence;
}

} // namespace

std::int64_t unix_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

id_parts split_id(id64 id) {
  return {(id >> (node_bits + sequence_bits)) + parley_epoch_ms,
          static_cast<int>((id >> sequence_bits) & max_node_id),
          static_cast<int>(id & sequence_mask)};
}

id_generator::id_generator(int node_id, clock_fn now_ms)
  : node_(node_id), now_ms_(now_ms ? now_ms : &unix_now_ms) {
  if (node_id < 0 || node_id > max_node_id)
    throw std::invalid_argument("node id must be between 0 and 1023");
}

id64 id_generator::successor(id64 last, std::int64_t now) const {
  auto fresh = compose(now - parley_epoch_ms, node_, 0);
  if (fresh > last)
    return fresh;
  // Same millisecond, or the clock went back: continue after `last`.
  auto parts = split_id(last);
  auto ms = parts.unix_ms - parley_epoch_ms;
  if (parts.node == node_ && parts.sequence < sequence_mask)
    return compose(ms, node_, parts.sequence + 1);
  auto candidate = compose(ms, node_, 0);
  if (candidate > last)
    return candidate; // `last` came from a lower node id in the same ms
  return compose(ms + 1, node_, 0);
}

id64 id_generator::next() {
  auto last = last_.load(std::memory_order_relaxed);
  for (;;) {
    auto candidate = successor(last, now_ms_());
    if (last_.compare_exchange_weak(last, candidate, std::memory_order_relaxed))
      return candidate;
  }
}

void id_generator::raise_floor(id64 floor) {
  auto last = last_.load(std::memory_order_relaxed);
  while (last < floor
         && !last_.compare_exchange_weak(last, floor, std::memory_order_relaxed))
    ;
}

std::string id_to_string(id64 id) {
  return std::to_string(id);
}

std::optional<id64> parse_id(std::string_view text) {
  if (text.empty() || text.size() > 19)
    return std::nullopt;
  id64 value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value <= 0)
    return std::nullopt;
  return value;
}

std::optional<std::vector<id64>> parse_id_list(std::string_view text) {
  std::vector<id64> out;
  while (true) {
    auto comma = text.find(',');
    auto encoded = text.find("%2");
    std::size_t skip = 1;
    if (encoded != std::string_view::npos && encoded < comma && encoded + 2 < text.size()
        && (text[encoded + 2] == 'C' || text[encoded + 2] == 'c')) {
      comma = encoded;
      skip = 3;
    }
    auto id = parse_id(text.substr(0, comma));
    if (!id)
      return std::nullopt;
    out.push_back(*id);
    if (comma == std::string_view::npos)
      return out;
    text.remove_prefix(comma + skip);
  }
}

} // namespace parley
