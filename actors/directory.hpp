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
//   (subscribe_atom, vector<presence_target>, id64 viewer, string viewer_privacy,
//    actor session) -> vector<actor>         the presence actors now watched
//   (privacy_atom, id64 user, string setting)         a user's privacy changed
//   (contacts_atom, vector<id64> users)               their contacts changed
//   (presload_atom, id64 user) -> presence_record     via the user's store
//   (last_seen_atom, id64 user, int64 ts) -> bool     via the user's store
//   (drain_atom) -> bool                     shutdown: flush every last seen
//   (fault_atom, string kind, id64 key)      -> bool    test hook
#include <caf/fwd.hpp>

#include "actors/context.hpp"

namespace parley {

caf::actor spawn_directory(caf::actor_system& sys, context_ptr ctx);

} // namespace parley
