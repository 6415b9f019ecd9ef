#pragma once
// The directory: one per node. Finds or spawns the conversation and
// presence actors, owns the store actors, and forgets actors that die (the
// next message re-creates them from PostgreSQL). Placement across nodes (a
// consistent-hash ring) belongs here too.
//
// Interface (every handler of actors/directory.cpp; what other nodes'
// directories may send, the relayed_atom requests, is in
// actors/directory_peers.cpp):
//   (conv_atom, id64 conv)                  -> actor   find or spawn, on its home node
//   (direct_atom, id64 user, id64 peer)     -> id64    the pair's 1:1 conversation,
//                                            created on first use (both send paths)
//   (presence_atom, id64 user)              -> actor   the user's presence actor, on its
//                                            home node
//   (call_atom, call_request req)           -> actor   a new call's actor, spawned here
//                                            (the call id's node bits are this node's)
//   (call_atom, id64 call_id)               -> actor   the live call, from the node its
//                                            id names (no_such_call: ended, unknown,
//                                            or that node is gone)
//   (online_atom, id64 user, id64 device, actor session)
//                                            -> actor presence
//   (fanout_atom, vector<id64> users, id64 except_device, device_frames frame,
//    push_note note)                         a message written outside a
//                                            conversation actor (a group's
//                                            creation) to the users' devices,
//                                            as a conversation's fan-out does
//   (route_atom, vector<id64> users, message deliver) -> vector<actor>
//                                            a conversation's fan-out of
//                                            (deliver_atom, except_device, frame
//                                            [, push_note]): delivered, then
//                                            answered with the presence actors it
//                                            went to on this node (null for the
//                                            others), which the conversation then
//                                            sends to itself
//   (subscribe_atom, vector<presence_target>, id64 viewer, string viewer_privacy,
//    actor session) -> vector<actor>         the presence actors now watched
//   (privacy_atom, id64 user, string setting)         a user's privacy changed
//   (contacts_atom, vector<id64> users)               their contacts changed
//   (poll_atom, identity, string after, int64 timeout_ms) -> string
//                                            a long poll, to the device's poller
//   (poll_atom, identity, subscribe_atom, vector<id64> users, bool on) -> bool
//                                            presence (un)subscription, likewise
//   (block_atom, id64 blocker, id64 other, bool on, id64 conv) -> bool
//   (revoke_atom, id64 user, id64 device)             a device logged out
//   (fault_atom, string kind, id64 key)      -> bool    test hook
//   (ring_atom, vector<node_info> live)               from membership: a new ring
//   (presload_atom, id64 user) -> presence_record     via the user's write store
//   (last_seen_atom, id64 user, int64 ts) -> bool     via the user's write store
//   (drain_atom) -> bool                     shutdown: flush every last seen
//   (retire_atom, id64 key)                  -> bool    an idle actor leaves
//   (retry_atom, uint64 token)               to itself: ask a lookup again
#include <caf/fwd.hpp>

#include <functional>
#include <string>

#include "actors/context.hpp"

namespace parley {

// Spawns one write store (named for logs: "store-w0"); parleyd's are
// PostgreSQL stores (actors/store.hpp), the actor tests' in memory.
using store_spawner =
  std::function<caf::actor(caf::actor_system& sys, context_ptr ctx, std::string name)>;

// `queries`: the query store pool, for the actors the directory spawns.
// `notifier`: where presence actors ask for push notifications (may be an
// invalid handle: no push gateway configured). `spawn_store`: how the
// directory makes (and remakes) its write stores.
caf::actor spawn_directory(caf::actor_system& sys, context_ptr ctx, caf::actor queries,
                           caf::actor notifier, store_spawner spawn_store);

} // namespace parley
