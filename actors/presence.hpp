#pragma once
// The presence actor: one per user who is online, watched, or was recently
// touched. Knows which sessions (devices) are live and forwards deliveries
// to them; keeps last seen (written back to PostgreSQL coalesced, at most
// every --last-seen-flush-ms, and on shutdown); pushes online/offline
// changes to the sessions subscribed to this user, filtered by privacy.
//
// Interface:
//   (online_atom, id64 device, actor session)    a session attaches
//   (offline_atom, int64 last_active)            the sending session ends
//   (touch_atom, int64 ts)                       a session was active
//   (subscribe_atom, actor session, id64 viewer, string viewer_privacy,
//    bool contact)                               watch this user
//   (unsub_atom)                                 the sending session stops
//   (privacy_atom, string setting)               this user's setting changed
//   (contacts_atom)                              this user's contacts changed
//   (deliver_atom, id64 except_device, shared_text frame)
//                                                push a frame to devices
//   (deliver_atom, id64 except_device, shared_text frame, push_note)
//                                                a message: with no live
//                                                device, ask for a push
//   (revoke_atom, id64 device)                   the device logged out
//   (reserve_atom, int32 want) -> int32          up to `want` tokens of this
//                                                user's send budget
//   (drain_atom) -> bool                         flush last seen now
//   (fault_atom, string "session")               test hook: kill sessions
// and for calls (actors/presence_calls.cpp):
//   (offer_atom, id64 device, string cid, id64 call_id) -> offer_verdict
//                                                a device's offer: new, a resend,
//                                                or past the rate limit
//   (offer_atom, id64 device, string cid)        that offer was refused
//   (callring_atom, call_summary) -> ring_reply  ring this user (or busy)
//   (callstate_atom, call_summary, string state, string reason)
//                                                a call of this user is ringing,
//                                                answered or ended
#include <caf/fwd.hpp>

#include "actors/context.hpp"

namespace parley {

// `notifier` may be invalid (no push gateway configured).
caf::actor spawn_presence(caf::actor_system& sys, context_ptr ctx,
                          caf::actor directory, caf::actor notifier, id64 user);

} // namespace parley
