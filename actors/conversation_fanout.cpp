// A conversation's fan-out: messages, receipts and typing to its members'
// presence actors, straight where a route is known (actors/routes.hpp).
#include "actors/conversation_state.hpp"

#include <spdlog/spdlog.h>

#include "actors/atoms.hpp"
#include "actors/delivery_messages.hpp"
#include "actors/errors.hpp"
#include "wire/json_out.hpp"

namespace parley::conv {

namespace {

void relay_typing(conv_ptr self, id64 user, bool active) {
  auto& st = self->state;
  std::vector<id64> others;
  for (auto& m : st.info.members)
    if (m.user_id != user)
      others.push_back(m.user_id);
  fan_out_frame(self, others,
                caf::make_message(deliver_atom::value, id64{0},
                                  wire::shared_text{
                                    wire::typing_notice(st.id, user, active)}));
}

void arm_typing_timer(conv_ptr self, milliseconds after) {
  auto& st = self->state;
  if (st.typing_timer)
    return;
  st.typing_timer = true;
  self->delayed_send(self, after, typing_atom::value);
}

} // namespace

// Sends `deliver` (deliver_atom, except_device, frame[, push_note]) to the
// presence actors of `users`. The directory is one actor for the whole node,
// so frames skip it where they can: straight to a presence actor on this
// node that it named before (actors/routes.hpp says when that keeps them in
// order). The rest go through it: users homed on another node, and users
// with no presence actor (no live device: the directory asks for a push).
void fan_out_frame(conv_ptr self, const std::vector<id64>& users, caf::message deliver) {
  auto& st = self->state;
  auto through_directory = st.routes.split(
    users, [&](const caf::actor& presence) { self->send(presence, deliver); });
  if (through_directory.empty())
    return;
  // A presence actor named here is monitored: once it dies (retired, moved
  // to another node, killed), its user's frames go through the directory
  // again, which knows its successor.
  auto learned = [=](const caf::actor& presence) { self->monitor(presence); };
  self->request(st.directory, caf::infinite, route_atom::value, through_directory,
                std::move(deliver))
    .then(
      [=](const std::vector<caf::actor>& found) {
        self->state.routes.answered(through_directory, found, learned);
      },
      [=](caf::error&) { self->state.routes.answered(through_directory, {}, learned); });
}

void forget_route(conv_ptr self, const caf::actor_addr& presence) {
  self->state.routes.forget_if(
    [&](const caf::actor& known) { return known.address() == presence; });
}

// The note lets a recipient's presence actor ask for a push notification
// when none of their devices is live.
namespace {

// One frame shared by every device, and one of its own for each device with
// a non-empty envelope (E2E.md §9): each is encoded once.
wire::device_frames frames_of(const wire::stored_message& m,
                              const wire::shared_envelopes& envelopes) {
  wire::shared_text shared{wire::message_frame(m)};
  if (!envelopes.present())
    return wire::device_frames{std::move(shared)};
  wire::device_frames::own_frames own;
  auto with_envelope = m;
  for (auto& [device, envelope] : envelopes.get()) {
    if (envelope.empty())
      continue;
    with_envelope.envelope = wire::shared_text{envelope};
    own.emplace_back(device, wire::shared_text{wire::message_frame(with_envelope)});
  }
  return wire::device_frames{std::move(shared), std::move(own)};
}

} // namespace

void fan_out_to(conv_ptr self, const wire::stored_message& m, const std::vector<id64>& users,
                std::int64_t prev_ts, const wire::shared_envelopes& envelopes) {
  fan_out_frame(self, users,
                caf::make_message(deliver_atom::value, m.from_device, frames_of(m, envelopes),
                                  wire::note_of(m, prev_ts)));
}

void fan_out(conv_ptr self, const wire::stored_message& m, std::int64_t prev_ts,
             const wire::shared_envelopes& envelopes) {
  fan_out_to(self, m, member_ids(self->state.info.members), prev_ts, envelopes);
}

void receipt(conv_ptr self, receipt_update update, caf::response_promise rp) {
  auto& st = self->state;
  if (!find_member(st.info.members, update.user)) {
    rp.deliver(make_error(errc::not_a_member));
    return;
  }
  // Nobody can have received what was never sent.
  update.up_to = std::min(update.up_to, st.next_seq - 1);
  self->request(st.store, st.ctx->store_timeout, cursor_atom::value, update)
    .then(
      [=](bool) mutable {
        auto& st = self->state;
        auto* m = find_member(st.info.members, update.user);
        if (!m) { // reloaded meanwhile without this member
          rp.deliver(true);
          return;
        }
        auto& cursor = update.read ? m->read_seq : m->delivered_seq;
        if (update.up_to > cursor) {
          auto recipients =
            st.recent.receipt_recipients(st.info, update.user, cursor, update.up_to);
          cursor = update.up_to;
          if (update.read)
            m->delivered_seq = std::max(m->delivered_seq, update.up_to);
          auto frame = wire::receipt_notice(st.id, update.user,
                                           update.read ? "read" : "delivered",
                                           update.up_to, unix_now_ms());
          fan_out_frame(self, recipients,
                        caf::make_message(deliver_atom::value, update.device,
                                          wire::shared_text{std::move(frame)}));
        }
        rp.deliver(true);
      },
      [=](caf::error& err) mutable { rp.deliver(err); });
}

// Relays the start of typing, and refreshes at half the lifetime so that
// the others' indicators do not lapse while it goes on; frames in between
// are absorbed here.
void typing(conv_ptr self, id64 user, caf::response_promise rp) {
  auto& st = self->state;
  if (!find_member(st.info.members, user)) {
    rp.deliver(make_error(errc::not_a_member));
    return;
  }
  if (!st.info.blockers.empty()) {
    rp.deliver(true); // a 1:1 with a block: typing does not cross it
    return;
  }
  if (st.typing.typed(user, steady_clock::now()))
    relay_typing(self, user, true);
  arm_typing_timer(self, st.ctx->typing_ttl);
  rp.deliver(true);
}

// Typing that was not refreshed in time ends: the others are told.
void expire_typing(conv_ptr self) {
  auto& st = self->state;
  st.typing_timer = false;
  auto now = steady_clock::now();
  for (auto user : st.typing.expire(now))
    relay_typing(self, user, false);
  if (!st.typing.empty())
    arm_typing_timer(self, duration_cast<milliseconds>(st.typing.next_expiry() - now)
                             + milliseconds(1));
}

} // namespace parley::conv
