#pragma once
// The media collector: one per node, detached (it touches the file system).
// Every --media-gc-interval it deletes uploads that no message references
// and that are older than --media-gc-age (rows first, through the query
// stores, then their content when no other upload shares it), and temp
// files of uploads that died without cleaning up (older than an hour).
//
// Interface:
//   (gc_atom)        run a collection now (also what its timer sends)
#include <caf/fwd.hpp>

#include "actors/context.hpp"

namespace parley {

caf::actor spawn_media_collector(caf::actor_system& sys, context_ptr ctx,
                                 caf::actor queries);

} // namespace parley
