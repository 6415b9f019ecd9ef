#pragma once
// The node's notice that live frames may have been lost: a node left the
// ring (its actors, and every frame they held, died with it). The
// directory sends (recover_atom) to this group; every session and poller
// of the node is in it and reads what it may have missed
// (actors/live_order.hpp). A local group: each node has its own.
#include <caf/actor_system.hpp>
#include <caf/group.hpp>
#include <caf/group_manager.hpp>

namespace parley {

inline caf::group fault_notices(caf::actor_system& sys) {
  return sys.groups().get_local("parley.faults");
}

} // namespace parley
