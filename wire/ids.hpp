#pragma once
// 64-bit time-sortable ids: 41 bits of milliseconds since PARLEY_EPOCH,
// 10 bits of node id, 12 bits of sequence within the millisecond.
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley {

// Not `id_t`: that name is taken by POSIX.
using id64 = std::int64_t;

constexpr std::int64_t parley_epoch_ms = 1704067200000; // 2024-01-01T00:00Z
constexpr int node_bits = 10;
constexpr int sequence_bits = 12;
constexpr std::int64_t max_node_id = (1 << node_bits) - 1;

struct id_parts {
  std::int64_t unix_ms;
  int node;
  int sequence;
};

id_parts split_id(id64 id);

// Generates unique, increasing ids for one node from any thread without
// locks. The generator never goes backwards: if the clock steps back it keeps
// counting from the last id it issued (borrowing time from the future) until
// the clock catches up, so no id is ever issued twice.
class id_generator {
public:
  using clock_fn = std::int64_t (*)();

  explicit id_generator(int node_id, clock_fn now_ms = nullptr);

  id64 next();

  // Never issue anything at or below `floor` (an id known to be taken, e.g.
  // the newest id in the database at start-up).
  void raise_floor(id64 floor);

  int node_id() const { return node_; }

private:
  id64 successor(id64 last, std::int64_t now) const;

  int node_;
  clock_fn now_ms_;
  std::atomic<id64> last_{0};
};

std::int64_t unix_now_ms();

// Ids travel as decimal strings in JSON (they exceed 2^53).
std::string id_to_string(id64 id);
std::optional<id64> parse_id(std::string_view text);
// "ID,ID,...": at least one id, comma-separated (the comma may arrive
// percent-encoded, as %2C); nothing if any element is not an id.
std::optional<std::vector<id64>> parse_id_list(std::string_view text);

} // namespace parley
