// Encrypted sends in a conversation (../shared/E2E.md §9): the envelopes
// must name exactly the members' current devices. The devices are read
// once and kept while the node's directory says nothing changed, so a send
// that matches costs no read. A send that does not match is checked afresh
// (its client id, the devices now, the owners of what it named) before it
// is refused, so a refusal is never stale; sends wait behind that check,
// in order. The rules are pure: actors/envelope_rules.hpp.
#include <spdlog/spdlog.h>

#include "actors/atoms.hpp"
#include "actors/conversation_state.hpp"
#include "actors/envelope_rules.hpp"
#include "actors/errors.hpp"

namespace parley::conv {

void release_held(conv_ptr self) {
  auto& st = self->state;
  if (st.changing_members || st.devices_busy)
    return;
  auto held = std::move(st.after_change);
  st.after_change.clear();
  for (auto& fn : held)
    fn(); // one that waits again holds the rest behind it
}

void forget_devices(conv_ptr self) {
  auto& st = self->state;
  st.devices_known = false;
  ++st.devices_epoch;
}

namespace {

// `ps` goes first once the sends are released: it arrived before them.
void resume_first(conv_ptr self, pending_send ps) {
  auto& st = self->state;
  st.after_change.insert(st.after_change.begin(),
                         [=]() mutable { persist(self, std::move(ps)); });
  st.devices_busy = false;
  release_held(self);
}

void fail_and_release(conv_ptr self, pending_send& ps, const caf::error& err) {
  ps.rp.deliver(err);
  self->state.devices_busy = false;
  release_held(self);
}

// Reads the members' devices, having asked the directory to say when they
// change first, so that no change after the read goes unheard.
void load_devices(conv_ptr self, pending_send ps) {
  auto& st = self->state;
  st.devices_busy = true;
  auto users = member_ids(st.info.members);
  self->send(st.directory, devwatch_atom::value, users);
  auto epoch = st.devices_epoch;
  self->request(st.reads, st.ctx->store_timeout, keys_atom::value, users)
    .then(
      [=](member_devices& found) mutable {
        auto& st = self->state;
        if (epoch == st.devices_epoch) { // else a change raced the read: read again
          st.devices = std::move(found);
          st.devices_known = true;
        }
        resume_first(self, std::move(ps));
      },
      [=](caf::error& err) mutable { fail_and_release(self, ps, err); });
}

std::vector<id64> named_devices(const outgoing_message& msg) {
  std::vector<id64> out;
  for (auto& [device, envelope] : msg.envelopes.get())
    out.push_back(device);
  return out;
}

caf::error refusal(const envelope_check& check, const outgoing_message& msg,
                   const recheck_result& fresh) {
  switch (check.verdict) {
    case envelope_verdict::invalid:
      return make_error(errc::invalid_field, msg.envelopes_fault.empty()
                                               ? "an empty envelope needs the send's 'body'"
                                               : msg.envelopes_fault);
    case envelope_verdict::stale:
      return make_error(errc::stale_devices,
                        "the envelopes do not match the conversation's current devices",
                        wire::stale_devices_fields(
                          check.mismatch,
                          stale_owners(check.mismatch, fresh.required, fresh.owners)));
    case envelope_verdict::no_devices:
      return make_error(errc::no_devices);
    case envelope_verdict::accept:
      break;
  }
  return make_error(errc::internal);
}

// Steps 2 to 5 against what PostgreSQL holds now.
void recheck(conv_ptr self, pending_send ps) {
  auto& st = self->state;
  st.devices_busy = true;
  auto members = member_ids(st.info.members);
  send_recheck req{members, ps.msg.sender_device, ps.msg.client_id, named_devices(ps.msg)};
  auto epoch = st.devices_epoch;
  self->request(st.reads, st.ctx->store_timeout, recheck_atom::value, std::move(req))
    .then(
      [=](recheck_result& fresh) mutable {
        auto& st = self->state;
        if (fresh.stored) { // a retry of a stored send: its ack again, nothing else
          auto& m = fresh.earlier;
          ps.rp.deliver(ack_info{m.msg_id, m.conversation, m.seq, m.ts});
          st.devices_busy = false;
          return release_held(self);
        }
        if (epoch == st.devices_epoch) {
          st.devices = fresh.required;
          st.devices_known = true;
        }
        auto check = check_envelopes(
          ps.msg, required_devices(fresh.required, members, ps.msg.sender_device));
        if (check.verdict == envelope_verdict::accept) {
          ps.devices_checked = true; // the kept devices were behind: stored after all
          return resume_first(self, std::move(ps));
        }
        fail_and_release(self, ps, refusal(check, ps.msg, fresh));
      },
      [=](caf::error& err) mutable { fail_and_release(self, ps, err); });
}

} // namespace

void check_devices(conv_ptr self, pending_send ps) {
  auto& st = self->state;
  if (!st.devices_known)
    return load_devices(self, std::move(ps));
  auto required =
    required_devices(st.devices, member_ids(st.info.members), ps.msg.sender_device);
  if (check_envelopes(ps.msg, required).verdict != envelope_verdict::accept)
    return recheck(self, std::move(ps));
  ps.devices_checked = true;
  persist(self, std::move(ps));
}

} // namespace parley::conv
