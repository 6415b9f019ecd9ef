#include "actors/directory.hpp"

#include "actors/atoms.hpp"
#include "actors/call_messages.hpp"
#include "actors/directory_state.hpp"

namespace parley {

namespace {

using namespace dir;

caf::behavior directory(directory_ptr self, context_ptr ctx, caf::actor queries,
                        caf::actor notifier, store_spawner spawn_store) {
  self->state.spawn_store = std::move(spawn_store);
  self->state.ctx = ctx;
  self->state.queries = std::move(queries);
  self->state.notifier = std::move(notifier);
  self->state.place = placement<caf::actor>{ctx->node_id}; // alone until membership says otherwise
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
    for (auto& [id, a] : st.calls)
      self->send_exit(a, msg.reason);
    for (auto& s : st.stores)
      self->send_exit(s, msg.reason);
    self->quit(msg.reason);
  });
  caf::message_handler local{
    // --- placement: these answer for the key's home node -------------------------
    [=](conv_atom, id64 conv) {
      return lookup(self, conv, caf::make_message(relayed_atom::value, conv_atom::value, conv),
                    [=] { return conversation_for(self, conv); });
    },
    [=](online_atom, id64 user, id64 device, const caf::actor& session) {
      return lookup(self, user,
                    caf::make_message(relayed_atom::value, online_atom::value, user, device,
                                      session),
                    [=] { return attach_here(self, user, device, session); });
    },
    [=](fanout_atom, const std::vector<id64>& users, id64 except_device,
        const wire::device_frames& frame, const push_note& note) {
      // One message object shared by every recipient: no copy per user.
      deliver_message(self, users,
                      caf::make_message(deliver_atom::value, except_device, frame, note));
    },
    [=](route_atom, const std::vector<id64>& users, const caf::message& deliver) {
      return route(self, users, deliver);
    },
    [=](direct_atom, id64 user, id64 peer) { return direct_conversation(self, user, peer); },
    [=](presence_atom, id64 user) {
      return lookup(self, user, caf::make_message(relayed_atom::value, presence_atom::value, user),
                    [=] { return presence_for(self, user); });
    },
    // A new call, here, where its offer arrived (its id has this node's bits).
    [=](call_atom, const call_request& req) -> caf::result<caf::actor> {
      if (split_id(req.call_id).node != self->state.ctx->node_id)
        return make_error(errc::internal);
      return start_call(self, req.call_id);
    },
    [=](call_atom, id64 call_id) { return find_call(self, call_id); },
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
    [=](devwatch_atom, const std::vector<id64>& users) { watch_devices(self, users); },
    [=](devchange_atom, id64 user) { return devices_changed(self, user); },
    [=](keys_low_atom, id64 user, id64 device, std::int64_t remaining) {
      tell_presences(self, {user}, caf::make_message(keys_low_atom::value, device, remaining));
    },
    [=](revoke_atom, id64 user, id64 device) {
      tell_presences(self, {user}, caf::make_message(revoke_atom::value, device));
    },
    [=](fault_atom, const std::string& kind, id64 key) {
      return route_fault(self, kind, key);
    },
    [=](retry_atom, std::uint64_t token) { resolve(self, token); },

    // --- this node only ---------------------------------------------------------------
    [=](ring_atom, const std::vector<node_info>& live) {
      if (from_here(self))
        apply_ring(self, live);
    },
    [=](trust_atom, const caf::node_id& node) {
      if (from_here(self))
        self->state.member_nodes.insert(node);
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
    [=](retire_atom, id64 key) {
      auto& st = self->state;
      auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
      for (auto* map : {&st.conversations, &st.presences, &st.pollers, &st.calls})
        if (auto it = map->find(key);
            it != map->end() && it->second.address() == sender)
          map->erase(it);
      st.device_watchers.forget(sender);
      return true;
    },
  };
  return local.or_else(peer_protocol(self));
}

} // namespace

caf::actor spawn_directory(caf::actor_system& sys, context_ptr ctx, caf::actor queries,
                           caf::actor notifier, store_spawner spawn_store) {
  return sys.spawn(directory, std::move(ctx), std::move(queries), std::move(notifier),
                   std::move(spawn_store));
}

} // namespace parley
