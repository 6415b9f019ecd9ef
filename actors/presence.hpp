#pragma once
// The presence actor: one per user with live sessions. Knows which sessions
// (devices) are connected and forwards deliveries to them. Last seen, status
// subscriptions and privacy grow here (issue 3).
//
// Interface:
//   (online_atom, id64 device, actor session)    a session attaches
//   (deliver_atom, id64 except_device, string)   push a frame to devices
//   (revoke_atom, id64 device)                   the device logged out
//   (fault_atom, string "session")               test hook: kill sessions
#include <caf/fwd.hpp>

#include "actors/context.hpp"

namespace parley {

caf::actor spawn_presence(caf::actor_system& sys, context_ptr ctx,
                          caf::actor directory, id64 user);

} // namespace parley
