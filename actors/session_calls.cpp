// A connection's call frames (../shared/CALLS.md): an offer goes to the
// caller's presence actor (rate limit, CIDs already used), then to a new
// call actor on this node; every other frame to the call's actor, found
// through the directory by the node its id names. Frames wait behind a
// lookup, so a device's candidates reach the call in the order it sent them.
#include "actors/session_state.hpp"

#include <spdlog/spdlog.h>

#include "actors/atoms.hpp"
#include "actors/call_record.hpp"
#include "actors/errors.hpp"
#include "actors/offer_book.hpp"
#include "wire/call_frames.hpp"
#include "wire/json_out.hpp"

namespace parley::sess {

namespace {

using calls::offer_book;

// This user's presence actor: the attached one, or found.
template <class F>
void with_own_presence(session_ptr self, F fn) {
  auto& st = self->state;
  if (st.presence)
    return fn(st.presence);
  self->request(st.directory, st.ctx->request_timeout, presence_atom::value, st.me.user_id)
    .then([=](caf::actor& presence) mutable { fn(presence); },
          [=](caf::error&) mutable { fn(caf::actor{}); });
}

void forget_offer(session_ptr self, const caf::actor& presence, const std::string& cid) {
  if (presence)
    self->send(presence, offer_atom::value, self->state.me.device_id, cid);
}

// A new call: the call actor checks it and writes call.created itself, so
// that nothing about the call can reach this device before it.
void place_call(session_ptr self, call_request req, caf::actor presence) {
  auto& st = self->state;
  auto cid = req.client_id;
  auto refused = [=](const caf::error& err) {
    push_error(self, err, cid);
    forget_offer(self, presence, cid);
    release_frames(self);
  };
  self->request(st.directory, st.ctx->request_timeout, call_atom::value, req)
    .then(
      [=](caf::actor& call) {
        self->request(call, self->state.ctx->request_timeout, call_atom::value, req)
          .then([=](bool) { release_frames(self); },
                [=](caf::error& err) { refused(err); });
      },
      [=](caf::error& err) { refused(err); });
}

void offer(session_ptr self, wire::call_frame f) {
  auto& st = self->state;
  hold_frames(self);
  call_request req{st.ctx->ids->next(), st.me.user_id, st.me.device_id, f.to, f.video,
                   std::move(f.payload), std::move(f.client_id)};
  with_own_presence(self, [=](caf::actor presence) mutable {
    auto& st = self->state;
    if (!presence) {
      push_error(self, make_error(errc::unavailable), req.client_id);
      return release_frames(self);
    }
    self->request(presence, st.ctx->request_timeout, offer_atom::value, st.me.device_id,
                  req.client_id, req.call_id)
      .then(
        [=](const offer_verdict& verdict) mutable {
          auto kind = static_cast<offer_book::verdict>(verdict.kind);
          if (kind == offer_book::verdict::limited) {
            push_error(self, "rate_limited", "at most 10 call offers a minute from a device",
                       req.client_id);
          } else if (kind == offer_book::verdict::known) {
            push(self, wire::call_created_frame(req.client_id, verdict.call_id));
            if (!verdict.ended.empty())
              push(self, wire::call_ended_frame(verdict.call_id, verdict.ended));
          } else if (req.callee == req.caller) {
            push_error(self, make_error(errc::invalid_recipient), req.client_id);
            forget_offer(self, presence, req.client_id);
          } else {
            return place_call(self, std::move(req), presence);
          }
          release_frames(self);
        },
        [=](caf::error& err) {
          push_error(self, err, req.client_id);
          release_frames(self);
        });
  });
}

void tell_call(session_ptr self, const caf::actor& call, id64 call_id, call_input in) {
  self->request(call, self->state.ctx->request_timeout, call_atom::value, std::move(in))
    .then([](bool) {},
          [=](caf::error& err) {
            // A call actor gone since it was cached: the call is over.
            if (err == caf::sec::request_receiver_down)
              err = make_error(errc::no_such_call);
            push_error(self, err, wire::call_ref(call_id));
          });
}

} // namespace

void handle_call(session_ptr self, wire::call_frame f) {
  if (f.op == wire::call_op::offer)
    return offer(self, std::move(f));
  auto& st = self->state;
  auto call_id = f.call_id;
  call_input in{static_cast<std::uint8_t>(f.op), st.me.user_id, st.me.device_id,
                std::move(f.payload)};
  if (auto it = st.calls.find(call_id); it != st.calls.end())
    return tell_call(self, it->second.actor, call_id, std::move(in));
  hold_frames(self);
  self->request(st.directory, st.ctx->request_timeout, call_atom::value, call_id)
    .then(
      [=](caf::actor& call) mutable {
        auto& link = self->state.calls[call_id];
        if (!link.actor) {
          link.actor = call;
          self->monitor(call);
        }
        tell_call(self, link.actor, call_id, std::move(in));
        release_frames(self);
      },
      [=](caf::error&) {
        // Gone, unknown, or on a node that left: the same to everyone.
        push_error(self, make_error(errc::no_such_call), wire::call_ref(call_id));
        release_frames(self);
      });
}

void call_bound(session_ptr self, const call_summary& call, bool bound) {
  auto& st = self->state;
  if (!bound) {
    st.calls.erase(call.call_id);
    return;
  }
  auto& link = st.calls[call.call_id];
  auto actor = caf::actor_cast<caf::actor>(self->current_sender());
  if (link.actor != actor) {
    link.actor = actor;
    self->monitor(actor);
  }
  link.summary = call;
  link.bound = true;
}

bool call_actor_down(session_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  bool found = false;
  for (auto it = st.calls.begin(); it != st.calls.end();) {
    if (it->second.actor.address() != dm.source) {
      ++it;
      continue;
    }
    found = true;
    if (it->second.bound) {
      spdlog::warn("call {}: its actor died ({})", it->first, self->system().render(dm.reason));
      push(self, wire::call_ended_frame(it->first, "failed"));
      record_failed_call(self->system(), st.directory, st.ctx->request_timeout,
                         it->second.summary, unix_now_ms());
    }
    it = st.calls.erase(it);
  }
  return found;
}

} // namespace parley::sess
