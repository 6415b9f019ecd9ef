// A session's sends: each waits for its ack, is issued again (idempotent by
// client id) if its conversation actor dies, and fails once overdue.
#include "actors/session_state.hpp"

#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "actors/send_budget.hpp"
#include "wire/json_out.hpp"
#include "wire/metrics.hpp"

namespace parley::sess {

using wire::metrics;

void issue(session_ptr self, std::uint64_t token);

void fail_send(session_ptr self, std::uint64_t token, const caf::error& err) {
  auto& st = self->state;
  auto it = st.pending.find(token);
  if (it == st.pending.end())
    return;
  metrics::get().send_failures.fetch_add(1);
  push_error(self, err, it->second.msg.client_id);
  st.pending.erase(it);
}

// `from` is the conversation actor the failed attempt went to: a failure
// of an older attempt (already reissued after a down_msg) is ignored.
void retry_or_fail(session_ptr self, std::uint64_t token, const caf::error& err,
                   const caf::actor_addr& from) {
  auto& st = self->state;
  auto it = st.pending.find(token);
  if (it == st.pending.end() || it->second.target != from)
    return;
  // Only a conversation actor that died is worth another try: a timeout
  // means the database is slow or gone, and the client hears it at once.
  bool died = err == caf::sec::request_receiver_down;
  if (!died || ++it->second.attempt >= max_send_attempts)
    return fail_send(self, token, err);
  // Forget the dead actor, unless another send already cached its successor.
  if (auto c = st.conversations.find(it->second.conversation);
      c != st.conversations.end() && c->second.address() == from)
    st.conversations.erase(c);
  it->second.target = {}; // late failures of this attempt no longer count
  it->second.due = steady_clock::time_point::max();
  issue(self, token);
}

// Sends are asked without a CAF request timeout (see actors/deadlines.hpp):
// one sweep per request_timeout/4 fails the overdue ones.
void arm_send_deadlines(session_ptr self) {
  self->state.send_deadlines.arm(self, self->state.ctx->request_timeout / 4);
}

void fail_overdue_sends(session_ptr self) {
  self->state.send_deadlines.sweep(self, self->state.pending, [=](std::uint64_t token) {
    fail_send(self, token, caf::sec::request_timeout);
  });
}

void issue(session_ptr self, std::uint64_t token) {
  auto& ps = self->state.pending.at(token);
  auto conv = ps.conversation;
  with_conversation(self, conv, [=](caf::actor actor, const caf::error& why) {
    auto& st = self->state;
    auto it = st.pending.find(token);
    if (it == st.pending.end())
      return;
    if (!actor)
      return fail_send(self, token, why ? why : make_error(errc::unavailable));
    it->second.target = actor.address();
    it->second.due = steady_clock::now() + st.ctx->request_timeout;
    arm_send_deadlines(self);
    self->request(actor, caf::infinite, send_atom::value, it->second.msg)
      .then(
        [=](const ack_info& ack) {
          auto& st = self->state;
          auto it = st.pending.find(token);
          if (it == st.pending.end())
            return; // answered by an earlier attempt
          metrics::get().messages_acked.fetch_add(1);
          own_sent(self, ack.conversation, ack.seq);
          push(self, wire::ack_frame(it->second.msg.client_id, ack.msg_id,
                                     ack.conversation, ack.seq, ack.ts));
          st.pending.erase(it);
        },
        [=, from = actor.address()](caf::error& err) {
          retry_or_fail(self, token, err, from);
        });
  }, ps.known_member);
}

// `known_member`: the directory just named this user's 1:1 conversation.
void send_to_conversation(session_ptr self, id64 conv, wire::send_frame& f,
                          bool known_member = false) {
  auto& st = self->state;
  auto token = st.next_token++;
  pending_send ps{conv, outgoing_from(conv, st.me.user_id, st.me.device_id, std::move(f)),
                  {}};
  ps.known_member = known_member;
  st.pending.emplace(token, std::move(ps));
  issue(self, token);
}

void admit_send(session_ptr self, wire::send_frame f);

// The user's budget across all devices: spent from this device's lot,
// which is refilled from the presence actor (later frames wait meanwhile).
// Without a presence actor to ask (attaching, or just died) the
// per-connection frame limit alone applies.
void handle_send(session_ptr self, wire::send_frame f) {
  auto& st = self->state;
  if (st.ctx->user_send_rate <= 0 || !st.presence)
    return admit_send(self, std::move(f));
  if (st.send_allowance > 0) {
    --st.send_allowance;
    return admit_send(self, std::move(f));
  }
  hold_frames(self);
  auto held = std::make_shared<wire::send_frame>(std::move(f)); // moved on, not copied
  self->request(st.presence, st.ctx->request_timeout, reserve_atom::value,
                static_cast<std::int32_t>(send_lease_lot(st.ctx->user_send_rate)))
    .then(
      [=](std::int32_t granted) {
        if (granted <= 0) {
          metrics::get().rate_limited.fetch_add(1);
          push_error(self, "rate_limited",
                     "this account is sending faster than "
                       + std::to_string(static_cast<long>(self->state.ctx->user_send_rate))
                       + " messages a second, slow down",
                     held->client_id);
        } else {
          self->state.send_allowance = granted - 1;
          admit_send(self, std::move(*held));
        }
        release_frames(self);
      },
      [=](caf::error&) {
        admit_send(self, std::move(*held));
        release_frames(self);
      });
}

void admit_send(session_ptr self, wire::send_frame f) {
  auto& st = self->state;
  if (st.pending.size() >= st.ctx->max_pending_sends) {
    // The database is slower than this client: bound what we hold for it.
    metrics::get().rate_limited.fetch_add(1);
    return push_error(self, "rate_limited", "too many unacknowledged sends, wait for acks",
                      f.client_id);
  }
  if (f.conversation != 0)
    return send_to_conversation(self, f.conversation, f);
  if (auto it = st.direct_conversations.find(f.to); it != st.direct_conversations.end())
    return send_to_conversation(self, it->second, f, true);
  hold_frames(self);
  self->request(st.directory, st.ctx->request_timeout, direct_atom::value,
                st.me.user_id, f.to)
    .then(
      [=](id64 conv) mutable {
        self->state.direct_conversations[f.to] = conv;
        send_to_conversation(self, conv, f, true);
        release_frames(self);
      },
      [=](caf::error& err) {
        metrics::get().send_failures.fetch_add(1);
        push_error(self, err, f.client_id);
        release_frames(self);
      });
}

} // namespace parley::sess
