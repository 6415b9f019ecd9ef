#pragma once
// What one device has been sent live, per conversation, and so what a
// message frame reaching its session means: new (write it), a repeat (drop
// it), or the sign of a loss (fill the gap from PostgreSQL first). Pure
// rules, kept apart from the session actor (actors/session_live.cpp) and
// unit-tested (tests/unit/live_order_test.cpp).
//
// Why: a frame can die with a node between a commit and the device, in a
// conversation actor homed there, in a presence actor homed there, or on
// the way through either. The message is in PostgreSQL and acked; the
// device is still connected. A session finds such losses two ways:
// - a gap: within a conversation, frames leave their conversation actor in
//   seq order, so a frame whose seq is past the next one expected (the
//   seqs this device sent itself, learnt from its acks, count as seen)
//   follows a loss. For a conversation this session has not had a frame of
//   yet, the frame says when its predecessor was committed: after this
//   session started (minus `slack`), the predecessor was meant for it live.
// - a fault: a node left the ring or the session's presence actor died.
//   Whatever was lost was committed before, so one read of PostgreSQL
//   afterwards (`recovery()`) finds it, tails included.
// Frames of a conversation wait while its gap is filled, and frames of
// conversations not yet seen wait while a recovery read runs, so that a
// device never sees a conversation's seqs out of order. Every message goes
// to a connection at most once this way; a device that never sends
// receipts is not sent anything again.
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "wire/ids.hpp"
#include "wire/records.hpp"
#include "wire/shared_text.hpp"

namespace parley {

// A live message frame and where it stands in its conversation.
struct live_frame {
  wire::shared_text text;
  std::int64_t seq = 0;
  // When the conversation's previous seq was stamped (ms); 0: none before
  // it; `unknown_prev_ts`: its conversation actor does not know.
  std::int64_t prev_ts = 0;
};

using wire::unknown_prev_ts;

// Ask PostgreSQL for the conversation's messages with after < seq < before
// and ts >= min_ts that this device may see, oldest first.
struct live_gap {
  id64 conversation = 0;
  std::int64_t after = 0;
  std::int64_t before = 0;
  std::int64_t min_ts = 0;
};

// What to do now: write these frames (in this order), then fill `gaps`.
struct live_step {
  std::vector<wire::shared_text> write;
  std::vector<live_gap> gaps;
};

// A recovery read: for each conversation seen, the messages after what was
// sent; for any other, those stamped since `since_ms`.
struct live_recovery {
  std::vector<id64> conversations;
  std::vector<std::int64_t> after;
  std::int64_t since_ms = 0;
};

class live_order {
public:
  // `started_ms`: when the session began to receive live frames.
  live_order(std::int64_t started_ms, std::int64_t slack_ms, std::int64_t window_ms);

  // A live message frame of `conversation`.
  live_step offer(id64 conversation, live_frame frame);

  // This device sent `seq` itself (its ack): it is never sent back to it.
  void own(id64 conversation, std::int64_t seq);

  // The answer to a gap: its messages, oldest first (each a frame with its
  // seq). Everything before the gap's `before` now counts as sent.
  live_step filled(const live_gap& gap, std::vector<live_frame> found);

  // The gap could not be read: frames held behind it go out anyway (the
  // device gets what is missing on its next sync).
  live_step unfilled(const live_gap& gap);

  // A fault: the read to make, unless one is running (then it runs again
  // once that one is answered). `now_ms` bounds how far back it looks.
  std::optional<live_recovery> begin_recovery(std::int64_t now_ms);

  // The recovery read's answer, oldest first per conversation; or, on
  // failure, nothing. Returns also the next read, if a fault came meanwhile.
  live_step recovered(const std::vector<id64>& conversations, std::vector<live_frame> found,
                      std::optional<live_recovery>& next, std::int64_t now_ms);

  std::size_t conversations() const {
    return convs_.size();
  }

  // True once this device was sent a frame of `conversation`, or sent one
  // there itself: its user is (or was) a member.
  bool has_seen(id64 conversation) const {
    return convs_.count(conversation) > 0;
  }

private:
  struct conv_state {
    bool known = false;         // `floor` means something
    std::int64_t floor = 0;     // every seq up to here is accounted for
    std::vector<std::int64_t> own_above; // own seqs past `floor`
    // Waiting for a gap or a recovery. A vector: almost always empty, and
    // an empty std::deque already holds about 600 bytes.
    std::vector<live_frame> held;
    bool filling = false;
  };

  void absorb_own(conv_state& c);
  bool seen_before(conv_state& c, std::int64_t seq);
  void advance(id64 conversation, conv_state& c, live_frame frame, live_step& step);
  void release_held(id64 conversation, conv_state& c, live_step& step);
  bool suspect_first(const conv_state& c, const live_frame& frame) const;

  std::int64_t started_ms_;
  std::int64_t slack_ms_;
  std::int64_t window_ms_;
  bool recovering_ = false;
  bool recover_again_ = false;
  std::unordered_map<id64, conv_state> convs_;
};

} // namespace parley
