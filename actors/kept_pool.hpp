#pragma once
// A round-robin pool of `n` workers that stays at `n`: CAF 0.17's
// actor_pool drops a worker that dies and never replaces it, so a pool of
// query stores would shrink to nothing after a few crashes. A keeper actor
// watches the workers and puts a fresh one in for each that dies (not for
// those the pool's own shutdown stops).
#include <caf/fwd.hpp>

#include <cstddef>
#include <functional>

namespace parley {

caf::actor spawn_kept_pool(caf::actor_system& sys, std::size_t n,
                           std::function<caf::actor()> factory);

} // namespace parley
