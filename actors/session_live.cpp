// A session's live message frames, in order and complete
// (actors/live_order.hpp): a gap is filled from PostgreSQL before the
// frames behind it go out, and after a fault one read finds what was lost.
#include <spdlog/spdlog.h>

#include "actors/atoms.hpp"
#include "actors/fault_notices.hpp"
#include "actors/session_state.hpp"
#include "wire/metrics.hpp"

namespace parley::sess {

using wire::metrics;

namespace {

// What was stamped before the session started is the sync's (a client
// syncs when it connects), not sent again live: no slack. The stamps come
// from the conversation's node, the start from this one: nodes keep their
// clocks in step (NTP), as time-sortable ids already need. A recovery
// looks a minute back at most: what a node held in flight is younger.
constexpr std::int64_t live_slack_ms = 0;
constexpr std::int64_t live_window_ms = 60000;
// A recovery read that fails (PostgreSQL unreachable) is tried again.
constexpr auto recovery_retry = seconds(1);
constexpr int max_recovery_failures = 5;

std::vector<live_frame> frames_of(sync_page& page) {
  std::vector<live_frame> out;
  out.reserve(page.frames.size());
  for (std::size_t i = 0; i < page.frames.size(); ++i)
    out.push_back({wire::shared_text{std::move(page.frames[i])}, page.seqs[i], 0});
  return out;
}

void run(session_ptr self, live_step step);

live_order& live(session_ptr self) {
  auto& st = self->state;
  if (!st.live)
    st.live.emplace(st.live_started_ms, live_slack_ms, live_window_ms);
  return *st.live;
}

void fill(session_ptr self, live_gap gap) {
  auto& st = self->state;
  metrics::get().live_gaps.fetch_add(1, std::memory_order_relaxed);
  self->request(st.queries, st.ctx->request_timeout, gap_atom::value, st.me.user_id,
                st.me.device_id, gap.conversation, gap.after, gap.before, gap.min_ts)
    .then(
      [=](sync_page& page) {
        metrics::get().live_refilled.fetch_add(page.frames.size(), std::memory_order_relaxed);
        run(self, live(self).filled(gap, frames_of(page)));
      },
      [=](caf::error& err) {
        // What stays missing comes with the device's next sync.
        spdlog::warn("device {}: gap in conversation {} not filled: {}",
                     self->state.me.device_id, gap.conversation, self->system().render(err));
        run(self, live(self).unfilled(gap));
      });
}

void run(session_ptr self, live_step step) {
  auto& st = self->state;
  for (auto& frame : step.write)
    st.link->send_shared(frame);
  for (auto& gap : step.gaps)
    fill(self, gap);
}

void read_recovery(session_ptr self, live_recovery read) {
  auto& st = self->state;
  metrics::get().live_recoveries.fetch_add(1, std::memory_order_relaxed);
  self->request(st.queries, st.ctx->request_timeout, recover_atom::value, st.me.user_id,
                st.me.device_id, read.conversations, read.after, read.since_ms)
    .then(
      [=](sync_page& page) {
        auto& st = self->state;
        st.recovery_failures = 0;
        metrics::get().live_refilled.fetch_add(page.frames.size(), std::memory_order_relaxed);
        std::optional<live_recovery> next;
        // frames_of moves the frames out, never the conversations
        run(self, live(self).recovered(page.conversations, frames_of(page), next,
                                       unix_now_ms()));
        if (next)
          read_recovery(self, std::move(*next));
      },
      [=](caf::error& err) {
        auto& st = self->state;
        spdlog::warn("device {}: recovery read failed: {}", st.me.device_id,
                     self->system().render(err));
        std::optional<live_recovery> next;
        run(self, live(self).recovered({}, {}, next, unix_now_ms()));
        if (next)
          read_recovery(self, std::move(*next));
        else if (++st.recovery_failures <= max_recovery_failures)
          self->delayed_send(self, recovery_retry, recover_atom::value);
      });
}

} // namespace

void start_live(session_ptr self) {
  self->state.live_started_ms = unix_now_ms();
  self->join(fault_notices(self->system()));
}

// Only an authenticated session is attached, so `live_started_ms` is set
// whenever one of these runs.
void deliver_live(session_ptr self, const wire::shared_text& frame, const push_note& note) {
  run(self, live(self).offer(note.conversation, {frame, note.seq, note.prev_ts}));
}

void own_sent(session_ptr self, id64 conversation, std::int64_t seq) {
  live(self).own(conversation, seq);
}

void recover_live(session_ptr self) {
  if (self->state.live_started_ms == 0)
    return; // not authenticated yet
  if (auto read = live(self).begin_recovery(unix_now_ms()))
    read_recovery(self, std::move(*read));
}

} // namespace parley::sess
