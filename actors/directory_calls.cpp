// Calls in the directory: each call actor runs on the node where its offer
// arrived, so its id's node bits say which directory knows it. Sessions on
// any node find a call through theirs; the fault hook kills one there.
#include "actors/directory_state.hpp"

#include <spdlog/spdlog.h>

#include "actors/call.hpp"
#include "actors/call_messages.hpp"

namespace parley::dir {

caf::actor start_call(directory_ptr self, id64 call_id) {
  auto& st = self->state;
  auto actor = spawn_call(self->system(), st.ctx, caf::actor{self}, st.queries, st.notifier);
  self->monitor(actor);
  st.calls[call_id] = actor;
  return actor;
}

caf::result<caf::actor> call_here(directory_ptr self, id64 call_id) {
  auto& st = self->state;
  auto it = st.calls.find(call_id);
  if (it == st.calls.end())
    return make_error(errc::no_such_call);
  return it->second;
}

caf::result<caf::actor> find_call(directory_ptr self, id64 call_id) {
  auto& st = self->state;
  auto node = split_id(call_id).node;
  if (node == st.ctx->node_id)
    return call_here(self, call_id);
  auto dir = st.place.peer(node);
  if (!dir)
    return make_error(errc::no_such_call); // its node is gone, and the call with it
  self->delegate(dir, relayed_atom::value, call_atom::value, call_id);
  return caf::delegated<caf::actor>{};
}

caf::result<bool> route_call_fault(directory_ptr self, id64 call_id) {
  auto& st = self->state;
  auto node = split_id(call_id).node;
  if (node == st.ctx->node_id)
    return inject_fault(self, "call", call_id);
  auto dir = st.place.peer(node);
  if (!dir)
    return false;
  self->delegate(dir, relayed_atom::value, fault_atom::value, std::string{"call"}, call_id);
  return caf::delegated<bool>{};
}

} // namespace parley::dir
