// A presence actor's part in calls (../shared/CALLS.md, "Where a call
// lives"): it checks its user's offers against the rate limit and the CIDs
// already used (actors/offer_book.hpp), rings the user's live sessions for
// an incoming call and every device that connects while it rings, says
// whether the user is busy, and records a call whose actor died.
#include "actors/presence_state.hpp"

#include "actors/atoms.hpp"
#include "actors/call_record.hpp"
#include "wire/rest_bodies.hpp"

namespace parley::pres {

namespace {

bool busy(const presence_state& st) {
  return std::any_of(st.calls.begin(), st.calls.end(),
                     [](auto& entry) { return entry.second.answered; });
}

caf::actor sender_actor(presence_ptr self) {
  return caf::actor_cast<caf::actor>(self->current_sender());
}

// A callee with a logged-in device offline: its phone rings by push.
void push_ring(presence_ptr self, const call_summary& call) {
  auto& st = self->state;
  if (!st.notifier)
    return;
  std::vector<id64> online;
  for (auto& s : st.sessions)
    online.push_back(s.device);
  wire::call_push push{st.user,         call.call_id, call.caller,
                       call.caller_device, call.video, call.started_ts,
                       call.started_ts + st.ctx->call_ring_timeout.count()};
  self->send(st.notifier, push_atom::value, call_atom::value, push, online);
}

// The call stopped ringing here: so do the phones, with what the ringing
// devices were told.
void push_stop(presence_ptr self, const live_call& call, const std::string& why) {
  auto& st = self->state;
  if (st.notifier && call.incoming && !call.answered)
    self->send(st.notifier, push_atom::value, call_atom::value, call.summary.call_id, why);
}

// The callee's reason, from the caller's: a reject was "elsewhere" for them.
std::string callee_reason(const std::string& for_caller) {
  return for_caller == "rejected" ? "rejected_elsewhere" : for_caller;
}

// Busy, or the live sessions, which ring from now on.
ring_reply ring(presence_ptr self, const call_summary& call) {
  auto& st = self->state;
  ring_reply out;
  if (busy(st)) {
    out.busy = true;
    return out;
  }
  auto actor = sender_actor(self);
  self->monitor(actor);
  st.calls[call.call_id] = {actor, call, true, false};
  for (auto& s : st.sessions) {
    out.devices.push_back(s.device);
    out.sessions.push_back(s.session);
  }
  push_ring(self, call);
  return out;
}

void call_state(presence_ptr self, const call_summary& call, const std::string& state,
                const std::string& reason) {
  auto& st = self->state;
  if (state == "ended") {
    if (auto it = st.calls.find(call.call_id); it != st.calls.end()) {
      push_stop(self, it->second, callee_reason(reason));
      st.calls.erase(it);
    }
    if (call.caller == st.user)
      st.offers.ended(call.call_id, reason, unix_now_ms());
    return;
  }
  auto it = st.calls.find(call.call_id);
  if (it == st.calls.end()) {
    auto actor = sender_actor(self);
    self->monitor(actor);
    it = st.calls.emplace(call.call_id, live_call{actor, call, call.callee == st.user, false})
           .first;
  }
  it->second.summary = call;
  if (state == "answered") {
    push_stop(self, it->second, "answered_elsewhere");
    it->second.answered = true;
  }
}

} // namespace

caf::message_handler call_protocol(presence_ptr self) {
  return {
    // A device's `call.offer` with client id `cid`, as the call `call_id`.
    [=](offer_atom, id64 device, const std::string& cid, id64 call_id) {
      auto answer = self->state.offers.offer(device, cid, call_id, unix_now_ms());
      return offer_verdict{static_cast<std::uint8_t>(answer.kind), answer.call_id,
                           answer.ended};
    },
    // That offer was refused after it counted: its CID is free again.
    [=](offer_atom, id64 device, const std::string& cid) {
      self->state.offers.refused(device, cid);
    },
    [=](callring_atom, const call_summary& call) { return ring(self, call); },
    [=](callstate_atom, const call_summary& call, const std::string& state,
        const std::string& reason) { call_state(self, call, state, reason); },
  };
}

void ring_new_device(presence_ptr self, id64 device, const caf::actor& session) {
  for (auto& [id, call] : self->state.calls)
    if (call.incoming && !call.answered)
      self->send(call.actor, calljoin_atom::value, device, session);
}

bool call_down(presence_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto it = std::find_if(st.calls.begin(), st.calls.end(),
                         [&](auto& entry) { return entry.second.actor.address() == dm.source; });
  if (it == st.calls.end())
    return false;
  auto call = it->second.summary;
  push_stop(self, it->second, "failed");
  st.calls.erase(it);
  if (call.caller == st.user)
    st.offers.ended(call.call_id, "failed", unix_now_ms());
  record_failed_call(self->system(), st.directory, st.ctx->request_timeout, call,
                     unix_now_ms());
  return true;
}

bool calls_idle(const presence_state& st) {
  return st.calls.empty() && st.offers.empty();
}

} // namespace parley::pres
