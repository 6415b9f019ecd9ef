// The protocol another node's directory speaks to this one: requests for
// keys this node is home to, relayed because the ring placed them here.
#include "actors/directory_state.hpp"
#include "actors/bad_input_log.hpp"

#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "wire/metrics.hpp"

#include <spdlog/spdlog.h>

namespace parley::dir {

namespace {

// A relayed request for a key this node is not home to (the rings of two
// nodes disagree for a moment): the asking node tries again.
template <class F>
caf::result<caf::actor> if_home(directory_ptr self, id64 key, F local) {
  if (!self->state.place.at_home(key))
    return make_error(errc::not_owner);
  return local();
}

// Relayed requests come from the directories (and, for delegated ones,
// the REST actors) of members membership has admitted, never from a
// process that merely reached the cluster port: anything else is refused
// before it touches a key. Anonymous messages have no node to check, so
// they are refused too.
bool from_member(directory_ptr self) {
  auto& sender = self->current_sender();
  if (sender && (sender->node() == self->node()
                 || self->state.member_nodes.count(sender->node()) > 0))
    return true;
  wire::metrics::get().cluster_refused.fetch_add(1, std::memory_order_relaxed);
  log_bad_input("cluster: refused a relayed request from {}, not an admitted member",
                sender ? caf::to_string(sender->node()) : std::string{"an anonymous sender"});
  return false;
}

caf::error stranger() {
  return make_error(errc::not_cluster_member);
}

} // namespace

caf::message_handler peer_protocol(directory_ptr self) {
  return {
    [=](relayed_atom, conv_atom, id64 conv) -> caf::result<caf::actor> {
      if (!from_member(self))
        return stranger();
      return if_home(self, conv, [&] { return conversation_for(self, conv); });
    },
    [=](relayed_atom, presence_atom, id64 user) -> caf::result<caf::actor> {
      if (!from_member(self))
        return stranger();
      return if_home(self, user, [&] { return presence_for(self, user); });
    },
    [=](relayed_atom, call_atom, id64 call_id) -> caf::result<caf::actor> {
      if (!from_member(self))
        return stranger();
      return call_here(self, call_id);
    },
    [=](relayed_atom, online_atom, id64 user, id64 device,
        const caf::actor& session) -> caf::result<caf::actor> {
      if (!from_member(self))
        return stranger();
      return if_home(self, user,
                     [&] { return attach_here(self, user, device, session); });
    },
    [=](relayed_atom, presence_atom, const std::vector<id64>& users,
        const caf::message& msg) {
      if (from_member(self))
        tell_local_presences(self, users, msg);
    },
    [=](relayed_atom, fanout_atom, const std::vector<id64>& users, id64 except_device,
        const wire::device_frames& frame, const push_note& note) {
      if (from_member(self))
        deliver_here(self, users,
                     caf::make_message(deliver_atom::value, except_device, frame, note), note);
    },
    [=](relayed_atom, subscribe_atom, const std::vector<presence_target>& targets,
        id64 viewer, const std::string& viewer_privacy,
        const caf::actor& session) -> caf::result<std::vector<caf::actor>> {
      if (!from_member(self))
        return stranger();
      return subscribe_here(self, targets, viewer, viewer_privacy, session);
    },
    [=](relayed_atom, poll_atom, const identity& who, const std::string& after,
        std::int64_t timeout_ms) -> caf::result<std::string> {
      if (!from_member(self))
        return stranger();
      self->delegate(poller_for(self, who), poll_atom::value, after, timeout_ms);
      return caf::delegated<std::string>{};
    },
    [=](relayed_atom, poll_atom, const identity& who, subscribe_atom,
        const std::vector<id64>& users, bool on) -> caf::result<bool> {
      if (!from_member(self))
        return stranger();
      self->delegate(poller_for(self, who), subscribe_atom::value, users, on);
      return caf::delegated<bool>{};
    },
    [=](relayed_atom, block_atom, id64 conv) -> caf::result<bool> {
      if (!from_member(self))
        return stranger();
      return tell_block_here(self, conv);
    },
    [=](relayed_atom, devchange_atom, id64 user) -> caf::result<bool> {
      if (!from_member(self))
        return stranger();
      tell_device_watchers(self, user);
      return true;
    },
    [=](relayed_atom, fault_atom, const std::string& kind, id64 key) -> caf::result<bool> {
      if (!from_member(self))
        return stranger();
      return inject_fault(self, kind, key);
    },
  };
}

} // namespace parley::dir
