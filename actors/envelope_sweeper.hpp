#pragma once
// Envelope retention (E2E.md §4, "what the server keeps"): one per node.
// Every --envelope-sweep-interval it deletes the envelopes of devices that
// acknowledged delivery of their message (its seq at or below the device's
// delivered cursor) and that are older than --envelope-retention-days, in
// bounded batches through the query stores (0 days: at the next sweep).
//
// Interface:
//   (gc_atom)        run a sweep now (also what its timer sends)
#include <caf/fwd.hpp>

#include "actors/context.hpp"

namespace parley {

caf::actor spawn_envelope_sweeper(caf::actor_system& sys, context_ptr ctx,
                                  caf::actor queries);

} // namespace parley
