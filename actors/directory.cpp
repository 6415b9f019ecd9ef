#include "actors/directory.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <map>
#include <unordered_map>

#include "actors/conversation.hpp"
#include "actors/membership.hpp"
#include "actors/messages.hpp"
#include "actors/poller.hpp"
#include "actors/presence.hpp"
#include "actors/ring.hpp"
#include "actors/store.hpp"
#include "net/metrics.hpp"

namespace parley {

namespace {

using namespace std::chrono;
using net::metrics;

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
  caf::actor queries;
  caf::actor notifier; // push notifications; invalid when none is configured
  std::vector<caf::actor> stores; // write stores, by conversation hash
  // Placement: which node is home to each user and conversation.
  hash_ring ring;
  std::unordered_map<int, caf::actor> peers; // the other live nodes' directories
  std::unordered_map<std::uint64_t, pending_lookup> lookups;
  std::uint64_t next_lookup = 1;
  static inline const char* name = "directory";
};

using directory_ptr = caf::stateful_actor<directory_state>*;

// Writes for a conversation (and a user's last seen) always go to the same
// store, so they commit in order and a reload sees them.
std::size_t store_index(const directory_state& st, id64 key) {
  return static_cast<std::size_t>(key) % st.stores.size();
}

void spawn_write_store(directory_ptr self, std::size_t index) {
  auto& st = self->state;
  st.stores[index] = spawn_store(self->system(), st.ctx,
                                 "store-w" + std::to_string(index));
  self->monitor(st.stores[index]);
}

// The actor registered under `key`, or a new one from `spawn()`, monitored
// so that the directory forgets it when it dies.
template <class Spawn>
caf::actor find_or_spawn(directory_ptr self, std::unordered_map<id64, caf::actor>& map,
                         id64 key, Spawn spawn) {
  if (auto it = map.find(key); it != map.end())
    return it->second;
  auto actor = spawn();
  self->monitor(actor);
  map.emplace(key, actor);
  return actor;
}

caf::actor conversation_for(directory_ptr self, id64 conv) {
  auto& st = self->state;
  return find_or_spawn(self, st.conversations, conv, [&] {
    return spawn_conversation(self->system(), st.ctx, caf::actor{self},
                              st.stores[store_index(st, conv)], conv);
  });
}

caf::actor presence_for(directory_ptr self, id64 user) {
  auto& st = self->state;
  return find_or_spawn(self, st.presences, user, [&] {
    return spawn_presence(self->system(), st.ctx, caf::actor{self}, st.notifier, user);
  });
}

// A device's session attaches to its user's presence actor on this node;
// `link` is its websocket when the session is on this node too (see
// session_link), else null.
caf::actor attach_here(directory_ptr self, id64 user, id64 device, const caf::actor& session,
                       const session_link& link) {
  auto presence = presence_for(self, user);
  self->send(presence, online_atom::value, device, session, link);
  return presence;
}

// Drops `who` from `map` if it is the entry there (it may have been
// replaced already). True if it was.
bool forget(std::unordered_map<id64, caf::actor>& map, const caf::actor_addr& who) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->second.address() == who) {
      map.erase(it);
      return true;
    }
  }
  return false;
}

void on_down(directory_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  for (std::size_t i = 0; i < st.stores.size(); ++i) {
    if (st.stores[i].address() == dm.source) {
      spdlog::warn("store-w{} exited ({}), restarting it", i,
                   self->system().render(dm.reason));
      spawn_write_store(self, i);
      return;
    }
  }
  if (!forget(st.conversations, dm.source) && !forget(st.presences, dm.source))
    forget(st.pollers, dm.source);
}

// --- placement -------------------------------------------------------------------

int home_of(const directory_state& st, id64 key) {
  auto owner = st.ring.owner(key);
  return owner < 0 ? st.ctx->node_id : owner;
}

bool at_home(const directory_state& st, id64 key) {
  return home_of(st, key) == st.ctx->node_id;
}

// Keys grouped by home node (this node's own under its id).
std::unordered_map<int, std::vector<id64>> by_home(const directory_state& st,
                                                   const std::vector<id64>& keys) {
  std::unordered_map<int, std::vector<id64>> out;
  for (auto key : keys)
    out[home_of(st, key)].push_back(key);
  return out;
}

// The directory of `node`, or an invalid handle if it is not a live member.
caf::actor peer(const directory_state& st, int node) {
  auto it = st.peers.find(node);
  return it == st.peers.end() ? caf::actor{} : it->second;
}

// The directory of `key`'s home node, another node, for a request relayed
// there (counted); invalid if that node is not a live member.
caf::actor home_directory(const directory_state& st, id64 key) {
  auto dir = peer(st, home_of(st, key));
  if (dir)
    metrics::get().cluster_remote_sends.fetch_add(1, std::memory_order_relaxed);
  return dir;
}

// Errors after which a lookup is worth asking again: the ring is moving.
bool ring_moving(const caf::error& err) {
  return err == make_error(errc::not_owner) || err == caf::sec::request_receiver_down
         || err == caf::sec::remote_linking_failed;
}

void resolve(directory_ptr self, std::uint64_t token) {
  auto& st = self->state;
  auto it = st.lookups.find(token);
  if (it == st.lookups.end())
    return;
  auto& lookup = it->second;
  auto attempt = ++lookup.attempt;
  lookup.asked = -1;
  // The pending lookup of this attempt, or null if it was answered or
  // asked again meanwhile.
  auto current = [=]() -> pending_lookup* {
    auto it = self->state.lookups.find(token);
    return it == self->state.lookups.end() || it->second.attempt != attempt ? nullptr
                                                                             : &it->second;
  };
  auto finish = [=](auto&& answer) {
    if (!current())
      return;
    auto it = self->state.lookups.find(token);
    auto rp = std::move(it->second.rp);
    self->state.lookups.erase(it);
    rp.deliver(std::forward<decltype(answer)>(answer));
  };
  auto again = [=](const caf::error& err) {
    auto* lookup = current();
    if (!lookup)
      return;
    if (!ring_moving(err) || steady_clock::now() >= lookup->give_up)
      return finish(caf::error{err});
    self->delayed_send(self, milliseconds(100), retry_atom::value, token);
  };
  auto home = home_of(st, lookup.key);
  if (home == st.ctx->node_id)
    return finish(lookup.local());
  auto dir = peer(st, home);
  if (!dir)
    return again(make_error(errc::not_owner)); // a member the ring has not dropped yet
  lookup.asked = home;
  metrics::get().cluster_remote_sends.fetch_add(1, std::memory_order_relaxed);
  self->request(dir, st.ctx->request_timeout, lookup.relayed)
    .then([=](caf::actor& actor) { finish(std::move(actor)); },
          [=](caf::error& err) { again(err); });
}

// The actor for `key` from its home node: `local()` here, else `relayed`
// asked of the home's directory.
caf::response_promise lookup(directory_ptr self, id64 key, caf::message relayed,
                             std::function<caf::actor()> local) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  auto token = st.next_lookup++;
  st.lookups.emplace(token, pending_lookup{key, std::move(relayed), std::move(local), rp,
                                           steady_clock::now() + st.ctx->request_timeout});
  resolve(self, token);
  return rp;
}

// A relayed request for a key this node is not home to (the rings of two
// nodes disagree for a moment): the asking node tries again.
template <class F>
caf::result<caf::actor> if_home(directory_ptr self, id64 key, F local) {
  if (!at_home(self->state, key))
    return make_error(errc::not_owner);
  return local();
}

// Sends `msg` to the presence actors of `users` that exist here (nobody is
// watching the others, and their state is in PostgreSQL).
void tell_local_presences(directory_ptr self, const std::vector<id64>& users,
                          const caf::message& msg) {
  auto& presences = self->state.presences;
  for (auto user : users)
    if (auto it = presences.find(user); it != presences.end())
      self->send(it->second, msg);
}

// Splits `users` by home node: `here(group)` for this node's, and
// `there(directory, group)` once per other live node (a node the ring
// still names but that is gone gets nothing: its users sync on reconnect).
template <class Here, class There>
void for_each_home(directory_ptr self, const std::vector<id64>& users, Here here,
                   There there) {
  auto& st = self->state;
  for (auto& [node, group] : by_home(st, users)) {
    if (node == st.ctx->node_id) {
      here(group);
    } else if (auto dir = peer(st, node)) {
      metrics::get().cluster_remote_sends.fetch_add(1, std::memory_order_relaxed);
      there(dir, group);
    }
  }
}

// Sends `msg` to the presence actors of `users`, wherever they live: one
// relayed message per other node.
void tell_presences(directory_ptr self, const std::vector<id64>& users,
                    const caf::message& msg) {
  for_each_home(
    self, users, [&](const std::vector<id64>& group) { tell_local_presences(self, group, msg); },
    [&](const caf::actor& dir, const std::vector<id64>& group) {
      self->send(dir, relayed_atom::value, presence_atom::value, group, msg);
    });
}

// A new ring: actors whose home moved finish what they hold and leave;
// the next request for them reaches their new home.
void apply_ring(directory_ptr self, const std::vector<node_info>& live) {
  auto& st = self->state;
  std::vector<int> ids;
  st.peers.clear();
  for (auto& member : live) {
    ids.push_back(member.node_id);
    if (member.node_id != st.ctx->node_id)
      st.peers.emplace(member.node_id, member.directory);
  }
  st.ring = hash_ring{ids};
  metrics::get().cluster_ring_changes.fetch_add(1, std::memory_order_relaxed);
  std::size_t moved = 0;
  for (auto* map : {&st.conversations, &st.presences}) {
    for (auto it = map->begin(); it != map->end();) {
      if (at_home(st, it->first)) {
        ++it;
        continue;
      }
      self->send(it->second, rehome_atom::value);
      it = map->erase(it);
      ++moved;
    }
  }
  metrics::get().cluster_rehomed.fetch_add(moved, std::memory_order_relaxed);
  // Lookups waiting on a node that just left would wait for their timeout
  // (a lost node never answers): ask the new home now.
  std::vector<std::uint64_t> stranded;
  for (auto& [token, lookup] : st.lookups)
    if (lookup.asked >= 0 && !st.peers.count(lookup.asked))
      stranded.push_back(token);
  for (auto token : stranded)
    resolve(self, token);
  spdlog::info("cluster: ring of {} node(s); {} actor(s) moving away", ids.size(), moved);
}

// A message to users' devices, here. Every live session is attached to its
// user's presence actor, so a user without one has no live device: the
// push notifier wakes them (never the sender, who just wrote it).
// `msg` is (deliver_atom, except_device, frame, note).
void deliver_here(directory_ptr self, const std::vector<id64>& users, const caf::message& msg,
                  const push_note& note) {
  auto& st = self->state;
  for (auto user : users) {
    if (auto it = st.presences.find(user); it != st.presences.end())
      self->send(it->second, msg);
    else if (st.notifier && user != note.from)
      self->send(st.notifier, push_atom::value, user, note);
  }
}

// A message to users' devices, wherever their presence actors live: the
// frame crosses to each other node once, not once per user. `msg` is
// (deliver_atom, except_device, frame, note).
void deliver_message(directory_ptr self, const std::vector<id64>& users, const caf::message& msg) {
  auto except_device = msg.get_as<id64>(1);
  auto& frame = msg.get_as<std::string>(2);
  auto& note = msg.get_as<push_note>(3);
  for_each_home(
    self, users,
    [&](const std::vector<id64>& group) { deliver_here(self, group, msg, note); },
    [&](const caf::actor& dir, const std::vector<id64>& group) {
      self->send(dir, relayed_atom::value, fanout_atom::value, group, except_device, frame,
                 note);
    });
}

// The presence actors of `users` on this node, in order; null for a user
// with none here.
std::vector<caf::actor> presences_here(const directory_state& st,
                                       const std::vector<id64>& users) {
  std::vector<caf::actor> out;
  out.reserve(users.size());
  for (auto user : users) {
    auto it = st.presences.find(user);
    out.push_back(it == st.presences.end() ? caf::actor{} : it->second);
  }
  return out;
}

// A conversation's fan-out of `deliver` (deliver_atom, except_device, frame
// [, push_note]): delivered as any other, then answered with the presence
// actors it went to here, which the conversation sends to itself from then
// on. They are named only after the frame was handed to them, so a frame
// the conversation sends straight afterwards arrives after this one.
std::vector<caf::actor> route(directory_ptr self, const std::vector<id64>& users,
                              const caf::message& deliver) {
  if (deliver.match_elements<deliver_atom, id64, std::string, push_note>())
    deliver_message(self, users, deliver);
  else
    tell_presences(self, users, deliver);
  return presences_here(self->state, users);
}

std::vector<caf::actor> subscribe_here(directory_ptr self,
                                       const std::vector<presence_target>& targets,
                                       id64 viewer, const std::string& viewer_privacy,
                                       const caf::actor& session) {
  std::vector<caf::actor> out;
  out.reserve(targets.size());
  for (auto& t : targets) {
    auto presence = presence_for(self, t.user);
    self->send(presence, subscribe_atom::value, session, viewer, viewer_privacy,
               t.contact);
    out.push_back(std::move(presence));
  }
  return out;
}

// Subscribes `session` to each target's presence actor on its home node;
// answers with the actors in the order of `targets` once every node has
// (or with the first failure).
caf::response_promise subscribe(directory_ptr self, const std::vector<presence_target>& targets,
                                id64 viewer, const std::string& viewer_privacy,
                                const caf::actor& session) {
  auto& st = self->state;
  struct gather {
    caf::response_promise rp;
    std::vector<caf::actor> out;
    std::size_t left = 0;
    bool answered = false;
    void place(const std::vector<std::size_t>& indexes, const std::vector<caf::actor>& got) {
      for (std::size_t k = 0; k < indexes.size() && k < got.size(); ++k)
        out[indexes[k]] = got[k];
      if (--left == 0 && !answered) {
        answered = true;
        rp.deliver(std::move(out));
      }
    }
    void fail(caf::error err) {
      if (!answered) {
        answered = true;
        rp.deliver(std::move(err));
      }
    }
  };
  std::map<int, std::vector<std::size_t>> slots; // node -> indexes into targets
  for (std::size_t i = 0; i < targets.size(); ++i)
    slots[home_of(st, targets[i].user)].push_back(i);
  auto g = std::make_shared<gather>();
  g->rp = self->make_response_promise();
  g->out.resize(targets.size());
  g->left = slots.size();
  if (slots.empty())
    g->rp.deliver(std::vector<caf::actor>{});
  for (auto& [node, indexes] : slots) {
    std::vector<presence_target> group;
    for (auto i : indexes)
      group.push_back(targets[i]);
    if (node == st.ctx->node_id) {
      g->place(indexes, subscribe_here(self, group, viewer, viewer_privacy, session));
      continue;
    }
    auto dir = peer(st, node);
    if (!dir) {
      g->fail(make_error(errc::not_owner));
      break;
    }
    metrics::get().cluster_remote_sends.fetch_add(1, std::memory_order_relaxed);
    self->request(dir, st.ctx->request_timeout, relayed_atom::value, subscribe_atom::value,
                  group, viewer, viewer_privacy, session)
      .then([=, indexes = indexes](std::vector<caf::actor>& actors) { g->place(indexes, actors); },
            [=](caf::error& err) { g->fail(std::move(err)); });
  }
  return g->rp;
}

// Shutdown: every presence actor writes its last seen back; answers when
// all have (or failed).
caf::response_promise drain(directory_ptr self) {
  auto rp = self->make_response_promise();
  auto& presences = self->state.presences;
  if (presences.empty()) {
    rp.deliver(true);
    return rp;
  }
  auto left = std::make_shared<std::size_t>(presences.size());
  auto one_done = [=]() mutable {
    if (--*left == 0)
      rp.deliver(true);
  };
  for (auto& [user, actor] : presences)
    self->request(actor, self->state.ctx->store_timeout, drain_atom::value)
      .then([=](bool) mutable { one_done(); }, [=](caf::error&) mutable { one_done(); });
  return rp;
}

caf::result<bool> inject_fault(directory_ptr self, const std::string& kind, id64 key) {
  auto& st = self->state;
  auto kill = [&](const caf::actor& who) {
    spdlog::warn("fault injection: killing {} for {}", kind, key);
    self->send_exit(who, caf::exit_reason::kill);
    return true;
  };
  if (kind == "conversation") {
    auto it = st.conversations.find(key);
    return it != st.conversations.end() && kill(it->second);
  }
  if (kind == "presence") {
    auto it = st.presences.find(key);
    return it != st.presences.end() && kill(it->second);
  }
  if (kind == "store")
    return kill(st.stores[store_index(st, key)]);
  if (kind == "session") {
    auto it = st.presences.find(key);
    if (it == st.presences.end())
      return false;
    self->send(it->second, fault_atom::value, kind);
    return true;
  }
  return make_error(errc::internal);
}

// Conversation, presence and session faults are injected where the key's
// actor lives (sessions through their user's presence actor); a store
// fault on this node.
caf::result<bool> route_fault(directory_ptr self, const std::string& kind, id64 key) {
  auto& st = self->state;
  if (kind == "store" || at_home(st, key))
    return inject_fault(self, kind, key);
  auto dir = home_directory(st, key);
  if (!dir)
    return make_error(errc::not_owner);
  self->delegate(dir, relayed_atom::value, fault_atom::value, kind, key);
  return caf::delegated<bool>{};
}

caf::actor poller_for(directory_ptr self, const identity& who) {
  auto& st = self->state;
  return find_or_spawn(self, st.pollers, who.device_id, [&] {
    return spawn_poller(self->system(), st.ctx, caf::actor{self}, st.queries, who);
  });
}

// A device's long polls may reach any node (a load balancer in front): its
// poller, which keeps the device's cursor, lives on the device's home node.
template <class... Ts>
caf::result<caf::message> to_poller(directory_ptr self, const identity& who, Ts&&... xs) {
  auto& st = self->state;
  if (at_home(st, who.device_id)) {
    self->delegate(poller_for(self, who), std::forward<Ts>(xs)...);
    return caf::delegated<caf::message>{};
  }
  auto dir = home_directory(st, who.device_id);
  if (!dir)
    return make_error(errc::not_owner);
  self->delegate(dir, relayed_atom::value, poll_atom::value, who, std::forward<Ts>(xs)...);
  return caf::delegated<caf::message>{};
}

// Answers once the pair's conversation actor (if any, on this node) knows,
// so that no message sent after the answer can miss the block.
caf::response_promise tell_block_here(directory_ptr self, id64 conv) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  auto it = st.conversations.find(conv);
  if (it == st.conversations.end()) {
    rp.deliver(true);
    return rp;
  }
  self->request(it->second, st.ctx->request_timeout, block_atom::value)
    .then([=](bool) mutable { rp.deliver(true); },
          [=](caf::error&) mutable { rp.deliver(true); }); // gone: reloads anyway
  return rp;
}

caf::result<bool> tell_block(directory_ptr self, id64 conv) {
  auto& st = self->state;
  if (at_home(st, conv))
    return tell_block_here(self, conv);
  auto dir = home_directory(st, conv);
  if (!dir)
    return true; // its home is gone: the conversation reloads wherever it restarts
  self->delegate(dir, relayed_atom::value, block_atom::value, conv);
  return caf::delegated<bool>{};
}

caf::behavior directory(directory_ptr self, context_ptr ctx, caf::actor queries,
                        caf::actor notifier) {
  self->state.ctx = ctx;
  self->state.queries = std::move(queries);
  self->state.notifier = std::move(notifier);
  self->state.ring = hash_ring{{ctx->node_id}}; // alone until membership says otherwise
  self->state.stores.resize(std::max<std::size_t>(ctx->message_stores, 1));
  for (std::size_t i = 0; i < self->state.stores.size(); ++i)
    spawn_write_store(self, i);
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  // Children are not linked (a killed conversation must not take the
  // directory down), so a stopping directory stops them explicitly. This
  // must run while the state still exists: an exit handler, not an
  // attached functor (those run after CAF has destroyed the state).
  self->set_exit_handler([=](caf::exit_msg& msg) {
    auto& st = self->state;
    for (auto& [id, a] : st.conversations)
      self->send_exit(a, msg.reason);
    for (auto& [id, a] : st.presences)
      self->send_exit(a, msg.reason);
    for (auto& [id, a] : st.pollers)
      self->send_exit(a, msg.reason);
    for (auto& s : st.stores)
      self->send_exit(s, msg.reason);
    self->quit(msg.reason);
  });
  return {
    // --- placement: these answer for the key's home node -------------------------
    [=](conv_atom, id64 conv) {
      return lookup(self, conv, caf::make_message(relayed_atom::value, conv_atom::value, conv),
                    [=] { return conversation_for(self, conv); });
    },
    [=](online_atom, id64 user, id64 device, const caf::actor& session,
        const session_link& link) {
      // Relayed to another node without the link, which cannot cross.
      return lookup(self, user,
                    caf::make_message(relayed_atom::value, online_atom::value, user, device,
                                      session),
                    [=] { return attach_here(self, user, device, session, link); });
    },
    [=](fanout_atom, const std::vector<id64>& users, id64 except_device,
        const std::string& frame) {
      // One message object shared by every recipient: no copy per user.
      tell_presences(self, users,
                     caf::make_message(deliver_atom::value, except_device, frame));
    },
    [=](route_atom, const std::vector<id64>& users, const caf::message& deliver) {
      return route(self, users, deliver);
    },
    [=](subscribe_atom, const std::vector<presence_target>& targets, id64 viewer,
        const std::string& viewer_privacy, const caf::actor& session) {
      return subscribe(self, targets, viewer, viewer_privacy, session);
    },
    [=](privacy_atom, id64 user, const std::string& setting) {
      tell_presences(self, {user}, caf::make_message(privacy_atom::value, setting));
    },
    [=](contacts_atom, const std::vector<id64>& users) {
      tell_presences(self, users, caf::make_message(contacts_atom::value));
    },
    [=](poll_atom, const identity& who, const std::string& after, std::int64_t timeout_ms) {
      return to_poller(self, who, poll_atom::value, after, timeout_ms);
    },
    [=](poll_atom, const identity& who, subscribe_atom, const std::vector<id64>& users,
        bool on) {
      return to_poller(self, who, subscribe_atom::value, users, on);
    },
    [=](block_atom, id64 blocker, id64 other, bool on, id64 conv) {
      tell_presences(self, {blocker}, caf::make_message(block_atom::value, other, on));
      return tell_block(self, conv);
    },
    [=](revoke_atom, id64 user, id64 device) {
      tell_presences(self, {user}, caf::make_message(revoke_atom::value, device));
    },
    [=](fault_atom, const std::string& kind, id64 key) {
      return route_fault(self, kind, key);
    },
    [=](retry_atom, std::uint64_t token) { resolve(self, token); },

    // --- relayed from another node's directory: served here -----------------------
    [=](relayed_atom, conv_atom, id64 conv) {
      return if_home(self, conv, [&] { return conversation_for(self, conv); });
    },
    [=](relayed_atom, online_atom, id64 user, id64 device, const caf::actor& session) {
      return if_home(self, user,
                     [&] { return attach_here(self, user, device, session, session_link{}); });
    },
    [=](relayed_atom, presence_atom, const std::vector<id64>& users,
        const caf::message& msg) { tell_local_presences(self, users, msg); },
    [=](relayed_atom, fanout_atom, const std::vector<id64>& users, id64 except_device,
        const std::string& frame, const push_note& note) {
      deliver_here(self, users, caf::make_message(deliver_atom::value, except_device, frame, note),
                   note);
    },
    [=](relayed_atom, subscribe_atom, const std::vector<presence_target>& targets,
        id64 viewer, const std::string& viewer_privacy, const caf::actor& session) {
      return subscribe_here(self, targets, viewer, viewer_privacy, session);
    },
    [=](relayed_atom, poll_atom, const identity& who, const std::string& after,
        std::int64_t timeout_ms) {
      return self->delegate(poller_for(self, who), poll_atom::value, after, timeout_ms);
    },
    [=](relayed_atom, poll_atom, const identity& who, subscribe_atom,
        const std::vector<id64>& users, bool on) {
      return self->delegate(poller_for(self, who), subscribe_atom::value, users, on);
    },
    [=](relayed_atom, block_atom, id64 conv) { return tell_block_here(self, conv); },
    [=](relayed_atom, fault_atom, const std::string& kind, id64 key) {
      return inject_fault(self, kind, key);
    },

    // --- this node only ---------------------------------------------------------------
    [=](ring_atom, const std::vector<node_info>& live) { apply_ring(self, live); },
    // A presence actor's stored state goes through its user's write store,
    // so a reload sees every last-seen write queued before it.
    [=](presload_atom, id64 user) {
      auto& st = self->state;
      return self->delegate(st.stores[store_index(st, user)], presload_atom::value, user);
    },
    [=](last_seen_atom, id64 user, std::int64_t ts) {
      auto& st = self->state;
      return self->delegate(st.stores[store_index(st, user)], last_seen_atom::value, user,
                            ts);
    },
    [=](drain_atom) { return drain(self); },
    [=](retire_atom, id64 key) {
      auto& st = self->state;
      auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
      for (auto* map : {&st.conversations, &st.presences, &st.pollers})
        if (auto it = map->find(key);
            it != map->end() && it->second.address() == sender)
          map->erase(it);
      return true;
    },
  };
}

} // namespace

caf::actor spawn_directory(caf::actor_system& sys, context_ptr ctx, caf::actor queries,
                           caf::actor notifier) {
  return sys.spawn(directory, std::move(ctx), std::move(queries), std::move(notifier));
}

} // namespace parley
