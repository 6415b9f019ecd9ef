#pragma once
// The call actor: one per call, spawned by the directory of the node where
// the `call.offer` arrived (the call id's node bits name that node, so a
// session anywhere finds it). It checks the offer, has the callee's
// presence actor ring the callee's live devices, relays the opaque SDP and
// ICE strings between the parties, runs the ring and reconnect timers, and
// ends with the call's record committed before its `call.ended` frames.
// The rules are actors/call_machine.hpp; this is the thin behaviour.
//
// Interface (every handler of actors/call.cpp):
//   (call_atom, call_request) -> bool    from the offering session: checked
//                                        (no_such_user, blocked,
//                                        unavailable), then call.created
//   (call_atom, call_input) -> bool      a device's frame through its session
//   (calljoin_atom, id64 device, actor session)
//                                        from the callee's presence actor: a
//                                        device connected while it rings
// and to itself: (timeout_atom) the ring timed out, (grace_atom, int64)
// a reconnect grace may have passed, (record_atom) the record took 3 s,
// (tick_atom) no offer came.
// What it tells others: sessions (deliver_atom, frame) and
// (callbind_atom, call_summary, bool) whether they would hear of its death;
// both users' presence actors (callstate_atom, call_summary, string state,
// string reason).
#include <caf/fwd.hpp>

#include "actors/context.hpp"

namespace parley {

// `notifier` may be invalid (no push gateway configured).
caf::actor spawn_call(caf::actor_system& sys, context_ptr ctx, caf::actor directory,
                      caf::actor queries, caf::actor notifier);

} // namespace parley
