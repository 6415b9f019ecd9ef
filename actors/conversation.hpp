#pragma once
// The conversation actor: one per active conversation. Owns the next `seq`,
// checks membership, hands rows to its store and fans out only after the
// commit. Rebuilt from PostgreSQL whenever it is (re)spawned.
//
// Interface (every handler of actors/conversation.cpp):
//   (send_atom, outgoing_message)      -> ack_info  after the commit
//   (members_atom, membership_change)  -> ack_info  a group change, after
//                                                   its commit; sends wait
//   (receipt_atom, receipt_update)     -> bool      after the commit
//   (typing_atom, id64 user)           -> bool      relayed to the others
//   (block_atom)                       -> bool      a block in this 1:1
//                                                   changed: reload first
//   (rehome_atom)                                   the ring moved it: finish
//                                                   what it holds and leave
// and to itself: (typing_atom) typing lapsed, (tick_atom) idle check,
// (deadline_atom) sends overdue at the store.
// What it asks: its store (load_atom, persist_atom, members_atom,
// cursor_atom), the directory (route_atom, contacts_atom, retire_atom) and
// presence actors (deliver_atom).
#include <caf/fwd.hpp>

#include "actors/context.hpp"

namespace parley {

// `reads` answers the reads that need not wait behind the conversation's
// writes (the members' devices); without it `store` does.
caf::actor spawn_conversation(caf::actor_system& sys, context_ptr ctx,
                              caf::actor directory, caf::actor store, id64 conv,
                              caf::actor reads);
caf::actor spawn_conversation(caf::actor_system& sys, context_ptr ctx,
                              caf::actor directory, caf::actor store, id64 conv);

} // namespace parley
