#pragma once
// The directory: one per node. Finds or spawns the conversation and
// presence actors, owns the store actors, and forgets actors that die (the
// next message re-creates them from PostgreSQL). Placement across nodes (a
// consistent-hash ring) belongs here too.
//
// Interface:
//   (conv_atom, id64 conv)                  -> actor   find or spawn
//   (online_atom, id64 user, id64 device, actor session) -> actor presence
//   (fanout_atom, vector<id64> users, id64 except_device, string frame)
//   (retire_atom, id64 key)                  -> bool    an idle actor leaves
//   (revoke_atom, id64 user, id64 device)             a device logged out
//   (fault_atom, string kind, id64 key)      -> bool    test hook
#include <caf/fwd.hpp>

#include "actors/context.hpp"

namespace parley {

caf::actor spawn_directory(caf::actor_system& sys, context_ptr ctx);

} // namespace parley
