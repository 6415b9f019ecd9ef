#pragma once
// The node's notices to its sessions and pollers, which all join this
// group: (recover_atom) when a node left the ring (its actors, and every
// frame they held, died with it: read what may have been missed, see
// actors/live_order.hpp), and (ring_atom) on every ring change (attach to
// the presence actor again: a presence actor on a node that dropped this
// one for a moment has detached its sessions). A local group: each node
// has its own.
#include <caf/actor_system.hpp>
#include <caf/group.hpp>
#include <caf/group_manager.hpp>

namespace parley {

inline caf::group fault_notices(caf::actor_system& sys) {
  return sys.groups().get_local("parley.faults");
}

} // namespace parley
