#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "actors/live_order.hpp"

using parley::id64;
using parley::live_frame;
using parley::live_gap;
using parley::live_order;
using parley::live_step;

namespace {

constexpr std::int64_t start = 1'000'000;
constexpr std::int64_t slack = 2'000;
constexpr std::int64_t window = 60'000;
constexpr id64 conv = 7;

// A frame whose text names its seq, so that tests read what was written.
live_frame frame(std::int64_t seq, std::int64_t prev_ts = start - 10 * slack) {
  return {parley::wire::shared_text{"m" + std::to_string(seq)}, seq, prev_ts};
}

std::vector<std::string> written(const live_step& step) {
  std::vector<std::string> out;
  for (auto& t : step.write)
    out.push_back(t.str());
  return out;
}

using texts = std::vector<std::string>;

} // namespace

TEST_CASE("frames in seq order go out at once and repeats are dropped") {
  live_order order{start, slack, window};
  CHECK(written(order.offer(conv, frame(5))) == texts{"m5"});
  CHECK(written(order.offer(conv, frame(6))) == texts{"m6"});
  CHECK(written(order.offer(conv, frame(6))).empty());
  CHECK(written(order.offer(conv, frame(4))).empty());
  CHECK(order.offer(conv, frame(7)).gaps.empty());
}

TEST_CASE("a gap holds later frames until PostgreSQL fills it") {
  live_order order{start, slack, window};
  order.offer(conv, frame(5));
  auto step = order.offer(conv, frame(8));
  CHECK(step.write.empty());
  REQUIRE(step.gaps.size() == 1);
  auto gap = step.gaps[0];
  CHECK(gap.conversation == conv);
  CHECK(gap.after == 5);
  CHECK(gap.before == 8);
  CHECK(gap.min_ts == 0);
  CHECK(written(order.offer(conv, frame(9))).empty()); // behind the gap
  CHECK(order.offer(conv, frame(9)).gaps.empty());
  step = order.filled(gap, {frame(6), frame(7)});
  CHECK(written(step) == texts{"m6", "m7", "m8", "m9"});
  CHECK(step.gaps.empty());
}

TEST_CASE("a gap PostgreSQL cannot fill, or only in part, lets the held frames go") {
  live_order order{start, slack, window};
  order.offer(conv, frame(1, 0));
  auto gap = order.offer(conv, frame(4)).gaps.at(0);
  CHECK(written(order.filled(gap, {frame(3)})) == texts{"m3", "m4"});
  gap = order.offer(conv, frame(6)).gaps.at(0);
  CHECK(written(order.unfilled(gap)) == texts{"m6"});
  CHECK(written(order.offer(conv, frame(7))) == texts{"m7"});
}

TEST_CASE("a second gap among the held frames is asked for in turn") {
  live_order order{start, slack, window};
  order.offer(conv, frame(1, 0));
  auto gap = order.offer(conv, frame(3)).gaps.at(0);
  order.offer(conv, frame(6));
  auto step = order.filled(gap, {frame(2)});
  CHECK(written(step) == texts{"m2", "m3"});
  REQUIRE(step.gaps.size() == 1);
  CHECK(step.gaps[0].after == 3);
  CHECK(step.gaps[0].before == 6);
  CHECK(written(order.filled(step.gaps[0], {frame(4), frame(5)})) == texts{"m4", "m5", "m6"});
}

TEST_CASE("the device's own sends count as seen and are never sent to it") {
  live_order order{start, slack, window};
  order.offer(conv, frame(1, 0));
  order.own(conv, 2);
  CHECK(written(order.offer(conv, frame(3))) == texts{"m3"});
  order.own(conv, 5); // acked before the frame of 4 arrives
  CHECK(written(order.offer(conv, frame(4))) == texts{"m4"});
  CHECK(written(order.offer(conv, frame(6))) == texts{"m6"});
  CHECK(written(order.offer(conv, frame(5))).empty());
}

TEST_CASE("a first frame whose predecessor came after the start is checked") {
  live_order order{start, slack, window};
  auto step = order.offer(conv, frame(10, start + 5));
  REQUIRE(step.gaps.size() == 1);
  CHECK(step.gaps[0].after == 0);
  CHECK(step.gaps[0].before == 10);
  CHECK(step.gaps[0].min_ts == start - slack);
  CHECK(written(order.filled(step.gaps[0], {frame(9)})) == texts{"m9", "m10"});
  // An older predecessor, a first message, or one from before the start
  // within the slack: no read.
  CHECK(written(order.offer(8, frame(3, start - slack - 1))) == texts{"m3"});
  CHECK(written(order.offer(9, frame(1, 0))) == texts{"m1"});
  CHECK(order.offer(11, frame(4, start - slack)).gaps.size() == 1);
  CHECK(order.offer(12, frame(4, parley::unknown_prev_ts)).gaps.size() == 1);
}

TEST_CASE("a recovery reads after each conversation seen and since the start") {
  live_order order{start, slack, window};
  order.offer(conv, frame(5));
  order.offer(8, frame(2));
  auto read = order.begin_recovery(start + 1000);
  REQUIRE(read);
  CHECK(read->since_ms == start - slack);
  REQUIRE(read->conversations.size() == 2);
  for (std::size_t i = 0; i < 2; ++i)
    CHECK(read->after[i] == (read->conversations[i] == conv ? 5 : 2));
  // Long after the start, only the last window counts.
  live_order old{start, slack, window};
  CHECK(old.begin_recovery(start + 10 * window)->since_ms == start + 9 * window);
}

TEST_CASE("a recovery writes the lost tail and keeps new conversations in order") {
  live_order order{start, slack, window};
  order.offer(conv, frame(5));
  auto read = order.begin_recovery(start + 1000);
  REQUIRE(read);
  // Meanwhile: a live frame of a conversation not seen yet waits, one of
  // a conversation seen goes out.
  CHECK(written(order.offer(8, frame(3))).empty());
  CHECK(written(order.offer(conv, frame(6))) == texts{"m6"});
  CHECK_FALSE(order.begin_recovery(start + 1100)); // one read at a time
  std::optional<parley::live_recovery> next;
  auto step = order.recovered({conv, conv, 8}, {frame(6), frame(7), frame(2)}, next,
                              start + 1200);
  CHECK(written(step) == texts{"m7", "m2", "m3"});
  REQUIRE(next); // the fault that came meanwhile
  CHECK(written(order.offer(conv, frame(7))).empty());
}

TEST_CASE("a recovery answer for a conversation with a gap joins what is held") {
  live_order order{start, slack, window};
  order.offer(conv, frame(1, 0));
  auto gap = order.offer(conv, frame(4)).gaps.at(0);
  auto read = order.begin_recovery(start + 1000);
  std::optional<parley::live_recovery> next;
  CHECK(order.recovered({conv, conv}, {frame(3), frame(5)}, next, start + 1000)
          .write.empty());
  CHECK(written(order.filled(gap, {frame(2), frame(3)})) == texts{"m2", "m3", "m4", "m5"});
}

TEST_CASE("a conversation counts as seen once a frame of it was offered or one was own") {
  live_order order{start, slack, window};
  CHECK_FALSE(order.has_seen(conv));
  order.offer(conv, frame(1));
  CHECK(order.has_seen(conv));
  CHECK_FALSE(order.has_seen(conv + 1));
  order.own(conv + 1, 1);
  CHECK(order.has_seen(conv + 1));
}
