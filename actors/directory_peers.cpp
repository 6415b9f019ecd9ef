// The protocol another node's directory speaks to this one: requests for
// keys this node is home to, relayed because the ring placed them here.
#include "actors/directory_state.hpp"

#include "actors/atoms.hpp"
#include "actors/errors.hpp"

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

} // namespace

caf::message_handler peer_protocol(directory_ptr self) {
  return {
    [=](relayed_atom, conv_atom, id64 conv) {
      return if_home(self, conv, [&] { return conversation_for(self, conv); });
    },
    [=](relayed_atom, online_atom, id64 user, id64 device, const caf::actor& session) {
      return if_home(self, user,
                     [&] { return attach_here(self, user, device, session); });
    },
    [=](relayed_atom, presence_atom, const std::vector<id64>& users,
        const caf::message& msg) { tell_local_presences(self, users, msg); },
    [=](relayed_atom, fanout_atom, const std::vector<id64>& users, id64 except_device,
        const wire::shared_text& frame, const push_note& note) {
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
  };
}

} // namespace parley::dir
