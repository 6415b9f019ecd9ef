#pragma once
// The REST endpoints of docs/protocol.md. Each request that needs the
// database is answered by a short-lived actor that asks a store and hands
// the answer back to the connection's strand; no Asio thread ever waits.
#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/context.hpp"
#include "net/http_types.hpp"

namespace parley::net {

// The node's actors the REST API asks.
struct rest_actors {
  caf::actor directory;
  caf::actor queries;    // the query store pool
  caf::actor membership; // GET /v1/cluster
  caf::actor throttle;   // logins, sign-ups, lookups (actors/throttle.hpp)
  caf::actor uploads;    // the upload ledger (actors/upload_ledger.hpp)
  caf::actor hasher;     // Argon2 (actors/hasher.hpp)
};

rest_endpoints make_rest_api(caf::actor_system& sys, context_ptr ctx, rest_actors actors);

} // namespace parley::net
