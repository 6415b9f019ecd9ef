#pragma once
// The directory: one per node. Finds or spawns the conversation and
// presence actors, owns the store actors, and forgets actors that die (the
// next message re-creates them from PostgreSQL). Placement across nodes (a
// consistent-hash ring) belongs here too.
//
// Interface:
//   (conv_atom, id64 conv)                  -> actor   find or spawn
//   (online_atom, id64 user, id64 device, actor session, session_link)
//                                            -> actor presence
//   (fanout_atom, vector<id64> users, id64 except_device, string frame)
//                                            to the users' devices
//   (route_atom, vector<id64> users, id64 except_device, string frame
//    [, push_note note]) -> vector<actor>    a conversation's fan-out: as
//                                            fanout_atom, answered with the
//                                            presence actors it went to on
//                                            this node (null for the others),
//                                            which the conversation then
//                                            sends to itself
//   (retire_atom, id64 key)                  -> bool    an idle actor leaves
//   (revoke_atom, id64 user, id64 device)             a device logged out
//   (subscribe_atom, vector<presence_target>, id64 viewer, string viewer_privacy,
//    actor session) -> vector<actor>         the presence actors now watched
//   (privacy_atom, id64 user, string setting)         a user's privacy changed
//   (contacts_atom, vector<id64> users)               their contacts changed
//   (presload_atom, id64 user) -> presence_record     via the user's store
//   (last_seen_atom, id64 user, int64 ts) -> bool     via the user's store
//   (drain_atom) -> bool                     shutdown: flush every last seen
//   (poll_atom, identity, string after, int64 timeout_ms) -> string
//                                            a long poll, to the device's poller
//   (poll_atom, identity, subscribe_atom, vector<id64> users, bool on) -> bool
//                                            presence (un)subscription, likewise
//   (block_atom, id64 blocker, id64 other, bool on, id64 conv) -> bool
//   (fault_atom, string kind, id64 key)      -> bool    test hook
#include <caf/fwd.hpp>

#include "actors/context.hpp"

namespace parley {

// `queries`: the query store pool, for the actors the directory spawns.
// `notifier`: where presence actors ask for push notifications (may be an
// invalid handle: no push gateway configured).
caf::actor spawn_directory(caf::actor_system& sys, context_ptr ctx, caf::actor queries,
                           caf::actor notifier);

} // namespace parley
