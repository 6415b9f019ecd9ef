#pragma once
// The REST endpoints of docs/protocol.md. Each request that needs the
// database is answered by a short-lived actor that asks a store and hands
// the answer back to the connection's strand; no Asio thread ever waits.
#include <caf/fwd.hpp>

#include "actors/context.hpp"
#include "net/http_types.hpp"

namespace parley::net {

// `membership`: the node's cluster membership actor (GET /v1/cluster);
// `throttle`: logins, sign-ups and lookups (actors/throttle.hpp);
// `uploads`: the upload ledger (actors/upload_ledger.hpp).
rest_endpoints make_rest_api(caf::actor_system& sys, context_ptr ctx,
                             caf::actor directory, caf::actor queries,
                             caf::actor membership, caf::actor throttle,
                             caf::actor uploads);

} // namespace parley::net
