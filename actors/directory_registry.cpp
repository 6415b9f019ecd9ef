// The directory's registry: which conversation, presence and poller actors
// live here (found or spawned, forgotten when they die), the write stores it
// supervises, the drain at shutdown and the fault hook.
#include "actors/directory_state.hpp"

#include <spdlog/spdlog.h>

#include "actors/atoms.hpp"
#include "actors/conversation.hpp"
#include "actors/errors.hpp"
#include "actors/poller.hpp"
#include "actors/presence.hpp"
#include "wire/metrics.hpp"

namespace parley::dir {

using namespace std::chrono;
using wire::metrics;

// Writes for a conversation (and a user's last seen) always go to the same
// store, so they commit in order and a reload sees them.
std::size_t store_index(const directory_state& st, id64 key) {
  return static_cast<std::size_t>(key) % st.stores.size();
}

void spawn_write_store(directory_ptr self, std::size_t index) {
  auto& st = self->state;
  st.stores[index] = st.spawn_store(self->system(), st.ctx,
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
                              st.stores[store_index(st, conv)], conv, st.queries);
  });
}

caf::actor presence_for(directory_ptr self, id64 user) {
  auto& st = self->state;
  return find_or_spawn(self, st.presences, user, [&] {
    return spawn_presence(self->system(), st.ctx, caf::actor{self}, st.notifier, user);
  });
}

// A device's session attaches to its user's presence actor on this node.
caf::actor attach_here(directory_ptr self, id64 user, id64 device, const caf::actor& session) {
  auto presence = presence_for(self, user);
  self->send(presence, online_atom::value, device, session);
  return presence;
}

caf::actor poller_for(directory_ptr self, const identity& who) {
  auto& st = self->state;
  return find_or_spawn(self, st.pollers, who.device_id, [&] {
    return spawn_poller(self->system(), st.ctx, caf::actor{self}, st.queries, who);
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
  st.device_watchers.forget(dm.source);
  if (!forget(st.conversations, dm.source) && !forget(st.presences, dm.source)
      && !forget(st.pollers, dm.source))
    forget(st.calls, dm.source);
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
  // Each node decides for itself: a node started without the flag kills
  // nothing, whoever asks.
  if (!st.ctx->fault_injection)
    return make_error(errc::fault_injection_off);
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
  if (kind == "call") {
    auto it = st.calls.find(key);
    return it != st.calls.end() && kill(it->second);
  }
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
  if (kind == "call")
    return route_call_fault(self, key);
  if (kind == "store" || st.place.at_home(key))
    return inject_fault(self, kind, key);
  auto dir = home_directory(st, key);
  if (!dir)
    return make_error(errc::not_owner);
  self->delegate(dir, relayed_atom::value, fault_atom::value, kind, key);
  return caf::delegated<bool>{};
}

} // namespace parley::dir
