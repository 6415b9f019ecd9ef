#pragma once
// The node's uploads in flight (actors/upload_reservations.hpp). Asked
// before an upload's body is read:
//   (reserve_atom, user, declared)  -> int64 bytes reserved, or
//                                      too_many_uploads / quota_exceeded
//   (release_atom, user, bytes)     when the upload is stored or abandoned
// The store's final insert locks the user's row and checks the quota
// again, so uploads on different nodes cannot overshoot it either.
#include <caf/fwd.hpp>

#include "actors/upload_reservations.hpp"

namespace parley {

caf::actor spawn_upload_ledger(caf::actor_system& sys, upload_limits limits,
                               caf::actor queries);

} // namespace parley
