#pragma once
// The directory's state and the steps its behaviour (actors/directory.cpp)
// is made of, one concern per file: the registry of actors and stores
// (directory_registry.cpp), placement on the ring with lookups retried
// while it moves (directory_placement.cpp, over actors/placement.hpp), the
// fan-out to presence actors (directory_fanout.cpp), and the protocol other
// nodes' directories speak to this one (directory_peers.cpp).
#include <caf/all.hpp>

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/atoms.hpp"
#include "actors/context.hpp"
#include "actors/delivery_messages.hpp"
#include "actors/device_watch.hpp"
#include "actors/directory.hpp"
#include "actors/errors.hpp"
#include "actors/membership.hpp"
#include "actors/placement.hpp"
#include "actors/store_messages.hpp"

namespace parley::dir {

using steady_clock = std::chrono::steady_clock;

// A conversation or presence actor asked of the key's home node, retried
// while the ring is moving (the home answers `not_owner`, or was just lost)
// until the request timeout.
struct pending_lookup {
  id64 key;
  caf::message relayed;              // what the home directory is asked
  std::function<caf::actor()> local; // the answer when this node is home
  caf::response_promise rp;
  steady_clock::time_point give_up;
  int asked = -1;            // the node asked last, while its answer is awaited
  std::uint64_t attempt = 0; // answers to earlier attempts are ignored
};

struct directory_state {
  context_ptr ctx;
  std::unordered_map<id64, caf::actor> conversations;
  std::unordered_map<id64, caf::actor> presences;
  std::unordered_map<id64, caf::actor> pollers; // by device
  std::unordered_map<id64, caf::actor> calls;   // by call id, this node's
  caf::actor queries;
  caf::actor notifier; // push notifications; invalid when none is configured
  std::vector<caf::actor> stores; // write stores, by conversation hash
  store_spawner spawn_store;      // how they are made (and remade)
  // Placement: which node is home to each user and conversation, and the
  // other live nodes' directories.
  placement<caf::actor> place;
  // The CAF nodes membership has dialled or admitted: only they may relay
  // requests here (actors/directory_peers.cpp). Never shrinks: a member
  // declared down a moment early may still finish what it relays.
  std::set<caf::node_id> member_nodes;
  // Conversation actors here that hold their members' devices.
  device_watch<caf::actor, caf::actor_addr> device_watchers;
  std::unordered_map<std::uint64_t, pending_lookup> lookups;
  std::uint64_t next_lookup = 1;
  static inline const char* name = "directory";
};

using directory_ptr = caf::stateful_actor<directory_state>*;

// Sent by an actor of this node (membership, for the ring and the members
// it trusts): never taken from the network.
inline bool from_here(directory_ptr self) {
  auto& sender = self->current_sender();
  return sender && sender->node() == self->node();
}

// --- registry and store supervision, faults (actors/directory_registry.cpp)

// Writes for a conversation (and a user's last seen) always go to the same
// store, so they commit in order and a reload sees them.
std::size_t store_index(const directory_state& st, id64 key);

void spawn_write_store(directory_ptr self, std::size_t index);

caf::actor conversation_for(directory_ptr self, id64 conv);

caf::actor presence_for(directory_ptr self, id64 user);

// A device's session attaches to its user's presence actor on this node.
caf::actor attach_here(directory_ptr self, id64 user, id64 device, const caf::actor& session);

caf::actor poller_for(directory_ptr self, const identity& who);

// Drops `who` from `map` if it is the entry there (it may have been
// replaced already). True if it was.
bool forget(std::unordered_map<id64, caf::actor>& map, const caf::actor_addr& who);

void on_down(directory_ptr self, const caf::down_msg& dm);

// Shutdown: every presence actor writes its last seen back; answers when
// all have (or failed).
caf::response_promise drain(directory_ptr self);

caf::result<bool> inject_fault(directory_ptr self, const std::string& kind, id64 key);

// Conversation, presence and session faults are injected where the key's
// actor lives (sessions through their user's presence actor); a store
// fault on this node.
caf::result<bool> route_fault(directory_ptr self, const std::string& kind, id64 key);

// --- placement: lookups on the key's home node, ring changes (actors/directory_placement.cpp)

// The directory of `key`'s home node, another node, for a request relayed
// there (counted); invalid if that node is not a live member.
caf::actor home_directory(const directory_state& st, id64 key);

// Errors after which a lookup is worth asking again: the ring is moving.
bool ring_moving(const caf::error& err);

void resolve(directory_ptr self, std::uint64_t token);

// The actor for `key` from its home node: `local()` here, else `relayed`
// asked of the home's directory.
caf::response_promise lookup(directory_ptr self, id64 key, caf::message relayed,
                             std::function<caf::actor()> local);

// A new ring: actors whose home moved finish what they hold and leave;
// the next request for them reaches their new home.
void apply_ring(directory_ptr self, const std::vector<node_info>& live);

// --- fan-out, subscriptions and blocks (actors/directory_fanout.cpp)

// Sends `msg` to the presence actors of `users` that exist here (nobody is
// watching the others, and their state is in PostgreSQL).
void tell_local_presences(directory_ptr self, const std::vector<id64>& users,
                          const caf::message& msg);

// Sends `msg` to the presence actors of `users`, wherever they live: one
// relayed message per other node.
void tell_presences(directory_ptr self, const std::vector<id64>& users,
                    const caf::message& msg);

// A message to users' devices, here. Every live session is attached to its
// user's presence actor, so a user without one has no live device: the
// push notifier wakes them (never the sender, who just wrote it).
// `msg` is (deliver_atom, except_device, frame, note).
void deliver_here(directory_ptr self, const std::vector<id64>& users, const caf::message& msg,
                  const push_note& note);

// A message to users' devices, wherever their presence actors live: the
// frame crosses to each other node once, not once per user. `msg` is
// (deliver_atom, except_device, frame, note).
void deliver_message(directory_ptr self, const std::vector<id64>& users, const caf::message& msg);

// The presence actors of `users` on this node, in order; null for a user
// with none here.
std::vector<caf::actor> presences_here(const directory_state& st,
                                       const std::vector<id64>& users);

// A conversation's fan-out of `deliver` (deliver_atom, except_device, frame
// [, push_note]): delivered as any other, then answered with the presence
// actors it went to here, which the conversation sends to itself from then
// on. They are named only after the frame was handed to them, so a frame
// the conversation sends straight afterwards arrives after this one.
std::vector<caf::actor> route(directory_ptr self, const std::vector<id64>& users,
                              const caf::message& deliver);

std::vector<caf::actor> subscribe_here(directory_ptr self,
                                       const std::vector<presence_target>& targets,
                                       id64 viewer, const std::string& viewer_privacy,
                                       const caf::actor& session);

// Subscribes `session` to each target's presence actor on its home node;
// answers with the actors in the order of `targets` once every node has
// (or with the first failure).
caf::response_promise subscribe(directory_ptr self, const std::vector<presence_target>& targets,
                                id64 viewer, const std::string& viewer_privacy,
                                const caf::actor& session);

// Answers once the pair's conversation actor (if any, on this node) knows,
// so that no message sent after the answer can miss the block.
caf::response_promise tell_block_here(directory_ptr self, id64 conv);

caf::result<bool> tell_block(directory_ptr self, id64 conv);

// --- devices (actors/directory_devices.cpp)

// The conversation asking holds the devices of `users` (E2E.md §9).
void watch_devices(directory_ptr self, const std::vector<id64>& users);

// `user`'s devices changed: every conversation here holding them forgets
// them (before anything sent after this is handled there).
void tell_device_watchers(directory_ptr self, id64 user);

// The same on every node; answers once each has (or failed to answer in
// time), so that a send that follows the change meets it.
caf::response_promise devices_changed(directory_ptr self, id64 user);

// The 1:1 conversation of `user` and `peer`, created on first use, for
// both send paths (a websocket `send` and POST /v1/messages with `to`): a
// new pair's presence actors learn that they are contacts now.
caf::response_promise direct_conversation(directory_ptr self, id64 user, id64 peer);

// --- calls (actors/directory_calls.cpp)

// A new call actor here, known by `call_id` until it exits.
caf::actor start_call(directory_ptr self, id64 call_id);

// The call actor of `call_id` on this node, or no_such_call.
caf::result<caf::actor> call_here(directory_ptr self, id64 call_id);

// The call actor of `call_id`, asked of the node its id names.
caf::result<caf::actor> find_call(directory_ptr self, id64 call_id);

// The fault hook for a call, on the node its id names.
caf::result<bool> route_call_fault(directory_ptr self, id64 call_id);

// --- the peer-node protocol (actors/directory_peers.cpp)

// The requests another node's directory relays to this one, for keys this
// node is home to.
caf::message_handler peer_protocol(directory_ptr self);

// A device's long polls may reach any node (a load balancer in front): its
// poller, which keeps the device's cursor, lives on the device's home node.
template <class... Ts>
caf::result<caf::message> to_poller(directory_ptr self, const identity& who, Ts&&... xs) {
  auto& st = self->state;
  if (st.place.at_home(who.device_id)) {
    self->delegate(poller_for(self, who), std::forward<Ts>(xs)...);
    return caf::delegated<caf::message>{};
  }
  auto dir = home_directory(st, who.device_id);
  if (!dir)
    return make_error(errc::not_owner);
  self->delegate(dir, relayed_atom::value, poll_atom::value, who, std::forward<Ts>(xs)...);
  return caf::delegated<caf::message>{};
}

} // namespace parley::dir
