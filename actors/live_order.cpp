#include "actors/live_order.hpp"

#include <algorithm>
#include <iterator>

namespace parley {

namespace {

bool contains(const std::vector<std::int64_t>& seqs, std::int64_t seq) {
  return std::find(seqs.begin(), seqs.end(), seq) != seqs.end();
}

} // namespace

live_order::live_order(std::int64_t started_ms, std::int64_t slack_ms, std::int64_t window_ms)
  : started_ms_(started_ms), slack_ms_(slack_ms), window_ms_(window_ms) {
}

// Own seqs right after the floor move it; those at or below it are done.
void live_order::absorb_own(conv_state& c) {
  if (!c.known)
    return;
  auto& own = c.own_above;
  own.erase(std::remove_if(own.begin(), own.end(),
                           [&](std::int64_t s) { return s <= c.floor; }),
            own.end());
  while (contains(own, c.floor + 1)) {
    ++c.floor;
    own.erase(std::find(own.begin(), own.end(), c.floor));
  }
}

// Whether `seq` is accounted for already; a conversation not known yet
// starts right before it.
bool live_order::seen_before(conv_state& c, std::int64_t seq) {
  if (!c.known) {
    c.known = true;
    c.floor = seq - 1;
  }
  absorb_own(c);
  return seq <= c.floor || contains(c.own_above, seq);
}

// The first frame of a conversation since the session started: if its
// predecessor was stamped after the start, that one should have come live.
bool live_order::suspect_first(const conv_state& c, const live_frame& frame) const {
  return !c.known && frame.seq > 1 && frame.prev_ts != 0
         && frame.prev_ts >= started_ms_ - slack_ms_;
}

// Writes the frame, drops it as a repeat, or (a gap) puts it back at the
// front of what is held and asks for the gap.
void live_order::advance(id64 conversation, conv_state& c, live_frame frame,
                         live_step& step) {
  if (suspect_first(c, frame)) {
    c.filling = true;
    step.gaps.push_back({conversation, 0, frame.seq, started_ms_ - slack_ms_});
    c.held.insert(c.held.begin(), std::move(frame));
    return;
  }
  if (seen_before(c, frame.seq))
    return;
  if (frame.seq == c.floor + 1) {
    step.write.push_back(std::move(frame.text));
    c.floor = frame.seq;
    absorb_own(c);
    return;
  }
  c.filling = true;
  step.gaps.push_back({conversation, c.floor, frame.seq, 0});
  c.held.insert(c.held.begin(), std::move(frame));
}

void live_order::release_held(id64 conversation, conv_state& c, live_step& step) {
  auto held = std::move(c.held);
  c.held.clear();
  std::size_t next = 0;
  for (; next < held.size() && !c.filling && !(recovering_ && !c.known); ++next)
    advance(conversation, c, std::move(held[next]), step);
  // The rest waits again, behind the frame a new gap holds, if any.
  c.held.insert(c.held.end(), std::make_move_iterator(held.begin() + next),
                std::make_move_iterator(held.end()));
}

live_step live_order::offer(id64 conversation, live_frame frame) {
  auto& c = convs_[conversation];
  live_step step;
  if (c.filling || (recovering_ && !c.known))
    c.held.push_back(std::move(frame));
  else
    advance(conversation, c, std::move(frame), step);
  return step;
}

void live_order::own(id64 conversation, std::int64_t seq) {
  auto& c = convs_[conversation];
  if ((c.known && seq <= c.floor) || contains(c.own_above, seq))
    return;
  c.own_above.push_back(seq);
  absorb_own(c);
}

live_step live_order::filled(const live_gap& gap, std::vector<live_frame> found) {
  auto& c = convs_[gap.conversation];
  c.filling = false;
  live_step step;
  for (auto& frame : found) {
    if ((c.known && frame.seq <= c.floor) || contains(c.own_above, frame.seq))
      continue;
    c.known = true;
    c.floor = frame.seq;
    step.write.push_back(std::move(frame.text));
  }
  c.known = true;
  c.floor = std::max(c.floor, gap.before - 1);
  absorb_own(c);
  release_held(gap.conversation, c, step);
  return step;
}

live_step live_order::unfilled(const live_gap& gap) {
  return filled(gap, {});
}

std::optional<live_recovery> live_order::begin_recovery(std::int64_t now_ms) {
  if (recovering_) {
    recover_again_ = true;
    return std::nullopt;
  }
  recovering_ = true;
  live_recovery read;
  read.since_ms = std::max(started_ms_ - slack_ms_, now_ms - window_ms_);
  for (auto& [id, c] : convs_) {
    if (!c.known)
      continue;
    read.conversations.push_back(id);
    read.after.push_back(c.floor);
  }
  return read;
}

live_step live_order::recovered(const std::vector<id64>& conversations,
                                std::vector<live_frame> found,
                                std::optional<live_recovery>& next, std::int64_t now_ms) {
  recovering_ = false;
  live_step step;
  for (std::size_t i = 0; i < found.size() && i < conversations.size(); ++i) {
    auto& c = convs_[conversations[i]];
    auto& frame = found[i];
    if (c.filling) { // the gap's answer sorts it out with what is held
      auto at = std::find_if(c.held.begin(), c.held.end(),
                             [&](const live_frame& h) { return h.seq >= frame.seq; });
      if (at == c.held.end() || at->seq != frame.seq)
        c.held.insert(at, std::move(frame));
      continue;
    }
    if (seen_before(c, frame.seq))
      continue;
    c.floor = frame.seq; // what PostgreSQL skips, this device may not see
    step.write.push_back(std::move(frame.text));
    absorb_own(c);
  }
  for (auto& [id, c] : convs_)
    if (!c.held.empty() && !c.filling)
      release_held(id, c, step);
  next.reset();
  if (recover_again_) {
    recover_again_ = false;
    next = begin_recovery(now_ms);
  }
  return step;
}

} // namespace parley
