#pragma once
// The poller actor: the long-poll counterpart of a session, one per device
// that polls (GET /v1/poll). It is attached to the user's presence actor
// like a session, so the device counts as online while it polls. Messages
// are read from PostgreSQL (everything past the device's delivered cursor),
// so nothing is lost between polls; other events (receipts, typing,
// presence of the users it watches, see actors/presence_watch.hpp) wait in
// a bounded queue. Each answer is a batch with a cursor;
// the next poll naming that cursor acknowledges it: its messages' delivered
// cursors are committed (as `delivered` receipts) before anything else is
// read, so an acknowledged message is never returned again.
//
// Interface:
//   (poll_atom, string after, int64 timeout_ms) -> string   a batch (JSON)
//   (deliver_atom, shared_text frame[, push_note])          from presence
//   (recover_atom)                      a node left the ring: read again
//   (ring_atom)                         the ring changed: attach again
//   (subscribe_atom, vector<id64> users, bool on) -> bool   watch presence
//   (resub_atom[, vector<id64> users])                      see presence_watch.hpp
//   (revoke_atom)                                           logged out: end
#include <caf/fwd.hpp>

#include "actors/context.hpp"

namespace parley {

struct identity;

caf::actor spawn_poller(caf::actor_system& sys, context_ptr ctx, caf::actor directory,
                        caf::actor queries, const identity& who);

} // namespace parley
