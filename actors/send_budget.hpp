#pragma once
// A user's message budget across all of their devices (--user-send-rate
// messages a second, bursts of --user-send-burst). The user's presence
// actor holds the bucket; a session asks it for a small lot of tokens and
// spends them without asking again, so a message costs no extra hop and a
// user who opens many connections still gets one budget. Pure code: the
// clock is passed in.
#include <chrono>

namespace parley {

class send_budget {
public:
  using clock = std::chrono::steady_clock;

  // rate 0: unlimited.
  send_budget(double rate, double burst, clock::time_point now);

  // Up to `want` whole tokens (none when the bucket is empty).
  int lease(int want, clock::time_point now);

  bool unlimited() const { return rate_ <= 0; }

private:
  void refill(clock::time_point now);

  double rate_;
  double burst_;
  double tokens_;
  clock::time_point refilled_;
};

// How many tokens a session asks for at a time: a tenth of a second's
// worth, at least 1 and at most 50. A device may hold one lot unspent, so
// N devices can exceed the budget by at most N lots.
int send_lease_lot(double rate);

} // namespace parley
