#pragma once
// The conversation actor: one per active conversation. Owns the next `seq`,
// checks membership, hands rows to its store and fans out only after the
// commit. Rebuilt from PostgreSQL whenever it is (re)spawned.
//
// Interface:
//   (send_atom, outgoing_message)     -> ack_info     after the commit
//   (receipt_atom, receipt_update)    -> bool         after the commit
//   (typing_atom, id64 user)          -> bool
#include <caf/fwd.hpp>

#include "actors/context.hpp"

namespace parley {

caf::actor spawn_conversation(caf::actor_system& sys, context_ptr ctx,
                              caf::actor directory, caf::actor store, id64 conv);

} // namespace parley
