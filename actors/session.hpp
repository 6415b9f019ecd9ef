#pragma once
// The session actor: one per websocket connection of one device. Checks
// the token, turns frames into requests to conversation actors, pushes
// deliveries to the socket, and limits the rate of incoming frames.
//
// Interface (every handler of actors/session.cpp):
//   (frame_atom, string text)              a frame its websocket read
//   (closed_atom)                          its websocket closed
//   (touch_atom)                           a ping or pong: the peer is alive
//   (deliver_atom, shared_text frame)      from its user's presence actor
//   (deliver_atom, shared_text frame, push_note note)
//                                          a message frame: kept in order and
//                                          complete (actors/live_order.hpp)
//   (recover_atom)                         a node left the ring (the group of
//                                          actors/fault_notices.hpp): read
//                                          what may have been lost
//   (ring_atom)                            the ring changed: attach again and
//                                          read what was missed (again a
//                                          second later, to itself, with a bool)
//   (resub_atom [, vector<id64> users])    watched presence actors moved:
//                                          subscribe again
//   (revoke_atom)                          its device logged out: 4401
//   (callbind_atom, call_summary, bool)    from a call actor: whether this
//                                          connection is told `failed` if it
//                                          dies (actors/session_calls.cpp)
//   (online_atom)                          to itself: attach to presence again
// and to itself: (idle_atom) idle check, (deadline_atom) overdue sends,
// (tick_atom) the authentication deadline.
#include <caf/fwd.hpp>

#include <memory>

#include "actors/context.hpp"
#include "wire/ws_link.hpp"

namespace parley {

// Spawns the session of a freshly accepted websocket and returns the
// callbacks through which the connection feeds it.
wire::ws_handlers start_session(caf::actor_system& sys, context_ptr ctx,
                               caf::actor directory, caf::actor queries,
                               std::shared_ptr<wire::ws_link> link);

} // namespace parley
