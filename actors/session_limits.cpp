// A session's limits: the idle timeout that closes half-open connections,
// the frame rate of a connection, and the rate of typing indicators.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "actors/atoms.hpp"
#include "actors/session_state.hpp"
#include "wire/metrics.hpp"

namespace parley::sess {

using wire::metrics;

// Half-open connections (a phone that lost its network) never close by
// themselves: a session silent past the idle limit is closed (4408).
void check_idle(session_ptr self) {
  auto& st = self->state;
  if (steady_clock::now() - st.last_active >= st.ctx->idle_timeout) {
    spdlog::info("ws {}: device {} silent for {} s, closing", st.link->peer(),
                 st.me.device_id, st.ctx->idle_timeout.count());
    metrics::get().idle_closed.fetch_add(1);
    st.link->close(wire::close_code::idle, "idle timeout");
    return end_session(self);
  }
  auto period = std::clamp<milliseconds>(duration_cast<milliseconds>(st.ctx->idle_timeout) / 4,
                                         milliseconds(250), milliseconds(5000));
  self->delayed_send(self, period, idle_atom::value);
}

// True if the frame may be handled. A client that keeps flooding after
// being refused is cut off with 1008.
bool admit(session_ptr self) {
  auto& st = self->state;
  if (st.frames.take(st.ctx->rate_per_second, st.ctx->rate_burst)) {
    st.strikes = std::max(0.0, st.strikes - 1);
    return true;
  }
  metrics::get().rate_limited.fetch_add(1);
  st.strikes += 1;
  if (st.strikes > st.ctx->rate_burst) {
    spdlog::warn("ws {}: closed for flooding", st.link->peer());
    push_error(self, "rate_limited", "too many frames: connection closed");
    st.link->close(wire::close_code::policy, "rate limit exceeded");
    end_session(self);
    return false;
  }
  // One error per hundred refusals: answering every frame of a flood would
  // double it.
  if (static_cast<long>(st.strikes) % 100 == 1)
    push_error(self, "rate_limited", "too many frames, slow down");
  return false;
}

// Typing indicators are cheap to send and fan out to every member: a
// session gets `typing_burst` of them, refilled at `typing_per_second`.
bool admit_typing(session_ptr self) {
  auto& st = self->state;
  if (st.typing.take(st.ctx->typing_per_second, st.ctx->typing_burst)) {
    st.typing_refused = 0;
    return true;
  }
  if (st.typing_refused++ % 50 == 0)
    push_error(self, "rate_limited", "typing indicators too often, slow down");
  return false;
}

} // namespace parley::sess
