#pragma once
// What one websocket may cost the node. Until its token is accepted a
// connection gets a stranger's budget: enough for `auth` and a few frames
// sent right behind it (8 frames, 16 KiB, 10 s), not for holding memory or
// a descriptor. Pings cost a pong each, so they take tokens of their own
// bucket; pings past it get no pong, and a peer that keeps flooding is
// closed. Pure: net/ws_connection.cpp asks, tests/unit/ws_budget_test.cpp
// checks.
#include <chrono>
#include <cstddef>

namespace parley::wire {

class ws_budget {
public:
  using clock = std::chrono::steady_clock;

  static constexpr int stranger_frames = 8;
  static constexpr std::size_t stranger_bytes = 16 * 1024;
  static constexpr std::chrono::seconds stranger_time{10};
  static constexpr double pings_per_second = 5;
  static constexpr double ping_burst = 10;
  static constexpr int ping_strikes_allowed = 50;

  enum class ping_verdict { answer, ignore, flood };

  explicit ws_budget(clock::time_point now = clock::now()) : refilled_(now) {
  }

  void authenticated() { authenticated_ = true; }
  bool is_authenticated() const { return authenticated_; }

  // False once a stranger has sent more than its bytes or frames.
  bool take_bytes(std::size_t n);
  bool take_frame();

  ping_verdict take_ping(clock::time_point now);

private:
  bool authenticated_ = false;
  std::size_t bytes_ = 0;
  int frames_ = 0;
  double ping_tokens_ = ping_burst;
  clock::time_point refilled_;
  int strikes_ = 0;
};

} // namespace parley::wire
