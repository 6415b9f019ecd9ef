#pragma once
// The session actor: one per websocket connection of one device. Checks
// the token, turns frames into requests to conversation actors, pushes
// deliveries to the socket, and limits the rate of incoming frames.
#include <caf/fwd.hpp>

#include <memory>

#include "actors/context.hpp"
#include "wire/ws_link.hpp"

namespace parley {

// Spawns the session of a freshly accepted websocket and returns the
// callbacks through which the connection feeds it.
wire::ws_handlers start_session(caf::actor_system& sys, context_ptr ctx,
                               caf::actor directory, caf::actor queries,
                               std::shared_ptr<wire::ws_link> link);

} // namespace parley
