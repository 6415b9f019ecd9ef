#pragma once
// The store actor: the only code that blocks on PostgreSQL. Each instance is
// detached (its own thread) and owns one connection. Writes (messages and
// receipt cursors) are batched into one transaction per mailbox drain and
// each is answered only after the commit.
#include <caf/fwd.hpp>

#include <string>

#include "actors/context.hpp"

namespace parley {

// `name` shows in logs ("store-w0", "store-q1").
caf::actor spawn_store(caf::actor_system& sys, context_ptr ctx, std::string name);

// A round-robin pool of `n` query stores, for reads, logins and sign-ups.
caf::actor spawn_query_pool(caf::actor_system& sys, context_ptr ctx, std::size_t n);

} // namespace parley
