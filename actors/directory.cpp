#include "actors/directory.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <unordered_map>

#include "actors/conversation.hpp"
#include "actors/messages.hpp"
#include "actors/poller.hpp"
#include "actors/presence.hpp"
#include "actors/store.hpp"

namespace parley {

namespace {

struct directory_state {
  context_ptr ctx;
  std::unordered_map<id64, caf::actor> conversations;
  std::unordered_map<id64, caf::actor> presences;
  std::unordered_map<id64, caf::actor> pollers; // by device
  caf::actor queries;
  caf::actor notifier; // push notifications; invalid when none is configured
  std::vector<caf::actor> stores; // write stores, by conversation hash
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

// Sends `msg` to the presence actors of `users` that exist (nobody is
// watching the others, and their state is in PostgreSQL).
void tell_presences(directory_ptr self, const std::vector<id64>& users,
                    const caf::message& msg) {
  auto& presences = self->state.presences;
  for (auto user : users)
    if (auto it = presences.find(user); it != presences.end())
      self->send(it->second, msg);
}

// A message to users' devices. Every live session is attached to its user's
// presence actor, so a user without one has no live device here: the push
// notifier wakes them (never the sender, who just wrote it).
void deliver_message(directory_ptr self, const std::vector<id64>& users, id64 except_device,
                     const std::string& frame, const push_note& note) {
  auto& st = self->state;
  auto msg = caf::make_message(deliver_atom::value, except_device, frame, note);
  for (auto user : users) {
    if (auto it = st.presences.find(user); it != st.presences.end())
      self->send(it->second, msg);
    else if (st.notifier && user != note.from)
      self->send(st.notifier, push_atom::value, user, note);
  }
}

std::vector<caf::actor> subscribe(directory_ptr self,
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

caf::actor poller_for(directory_ptr self, const identity& who) {
  auto& st = self->state;
  return find_or_spawn(self, st.pollers, who.device_id, [&] {
    return spawn_poller(self->system(), st.ctx, caf::actor{self}, st.queries, who);
  });
}

caf::behavior directory(directory_ptr self, context_ptr ctx, caf::actor queries,
                        caf::actor notifier) {
  self->state.ctx = ctx;
  self->state.queries = std::move(queries);
  self->state.notifier = std::move(notifier);
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
    [=](conv_atom, id64 conv) { return conversation_for(self, conv); },
    [=](online_atom, id64 user, id64 device, const caf::actor& session) {
      auto presence = presence_for(self, user);
      self->send(presence, online_atom::value, device, session);
      return presence;
    },
    [=](fanout_atom, const std::vector<id64>& users, id64 except_device,
        const std::string& frame) {
      // One message object shared by every recipient: no copy per user.
      tell_presences(self, users,
                     caf::make_message(deliver_atom::value, except_device, frame));
    },
    [=](fanout_atom, const std::vector<id64>& users, id64 except_device,
        const std::string& frame, const push_note& note) {
      deliver_message(self, users, except_device, frame, note);
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
    [=](poll_atom, const identity& who, const std::string& after, std::int64_t timeout_ms) {
      return self->delegate(poller_for(self, who), poll_atom::value, after, timeout_ms);
    },
    [=](poll_atom, const identity& who, subscribe_atom, const std::vector<id64>& users,
        bool on) {
      return self->delegate(poller_for(self, who), subscribe_atom::value, users, on);
    },
    // Answers once the pair's conversation actor (if any) knows, so that
    // no message sent after the answer can miss the block.
    [=](block_atom, id64 blocker, id64 other, bool on, id64 conv) {
      auto& st = self->state;
      tell_presences(self, {blocker}, caf::make_message(block_atom::value, other, on));
      auto rp = self->make_response_promise<bool>();
      auto it = st.conversations.find(conv);
      if (it == st.conversations.end()) {
        rp.deliver(true);
        return rp;
      }
      self->request(it->second, st.ctx->request_timeout, block_atom::value)
        .then([=](bool) mutable { rp.deliver(true); },
              [=](caf::error&) mutable { rp.deliver(true); }); // gone: reloads anyway
      return rp;
    },
    [=](retire_atom, id64 key) {
      auto& st = self->state;
      auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
      for (auto* map : {&st.conversations, &st.presences, &st.pollers})
        if (auto it = map->find(key);
            it != map->end() && it->second.address() == sender)
          map->erase(it);
      return true;
    },
    [=](revoke_atom, id64 user, id64 device) {
      tell_presences(self, {user}, caf::make_message(revoke_atom::value, device));
    },
    [=](fault_atom, const std::string& kind, id64 key) {
      return inject_fault(self, kind, key);
    },
  };
}

} // namespace

caf::actor spawn_directory(caf::actor_system& sys, context_ptr ctx, caf::actor queries,
                           caf::actor notifier) {
  return sys.spawn(directory, std::move(ctx), std::move(queries), std::move(notifier));
}

} // namespace parley
