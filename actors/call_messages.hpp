#pragma once
// What crosses actor (and node) boundaries about a call: the offer, a
// party's frame, what a presence actor answers when a call rings, what a
// session or presence actor keeps to record a call whose actor died, and
// the caller's presence actor's verdict on an offer. Every struct has an
// `inspect` overload.
#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "actors/wire_inspect.hpp"
#include "wire/ids.hpp"

namespace parley {

// A `call.offer` that passed its fields and the rate limit.
struct call_request {
  id64 call_id = 0;
  id64 caller = 0;
  id64 caller_device = 0;
  id64 callee = 0;
  bool video = false;
  std::string sdp;
  std::string client_id; // JSON text, for call.created's `ref`
};

// Any other call frame of a device: `op` is a wire::call_op.
struct call_input {
  std::uint8_t op = 0;
  id64 user = 0;
  id64 device = 0;
  std::string payload;
};

// What a call's record needs if its actor dies: kept by the sessions and
// presence actors that watch it.
struct call_summary {
  id64 call_id = 0;
  id64 caller = 0;
  id64 caller_device = 0;
  id64 callee = 0;
  bool video = false;
  std::int64_t started_ts = 0;
  std::int64_t answered_ts = 0; // 0: never answered
};

// The callee's presence actor on a new call: busy (a party of an answered
// call), or its live sessions, which now ring.
struct ring_reply {
  bool busy = false;
  std::vector<id64> devices;
  std::vector<caf::actor> sessions;
};

// The caller's presence actor on an offer (calls::offer_book::verdict).
struct offer_verdict {
  std::uint8_t kind = 0;
  id64 call_id = 0;
  std::string ended;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_request& x) {
  return f(caf::meta::type_name("call_request"), x.call_id, x.caller, x.caller_device,
           x.callee, x.video, x.sdp, x.client_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_input& x) {
  return f(caf::meta::type_name("call_input"), x.op, x.user, x.device, x.payload);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_summary& x) {
  return f(caf::meta::type_name("call_summary"), x.call_id, x.caller, x.caller_device,
           x.callee, x.video, x.started_ts, x.answered_ts);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ring_reply& x) {
  return f(caf::meta::type_name("ring_reply"), x.busy, x.devices, x.sessions);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, offer_verdict& x) {
  return f(caf::meta::type_name("offer_verdict"), x.kind, x.call_id, x.ended);
}

} // namespace parley
