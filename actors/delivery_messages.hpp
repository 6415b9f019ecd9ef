#pragma once
// How a delivered message reaches a device: straight to a local socket
// (session_link), or as a push notification for a user with none.
#include <caf/allowed_unsafe_message_type.hpp>

#include <cstdint>
#include <memory>

#include "actors/wire_inspect.hpp"
#include "wire/ids.hpp"
#include "wire/records.hpp"
#include "wire/ws_link.hpp"

namespace parley {

// A session's websocket, handed to its user's presence actor when both are
// on the same node, so that deliveries go from the presence actor straight
// to the socket's strand instead of through the session actor (one actor
// hop less per delivered frame). Null for a long-poll device. It never
// crosses nodes (it cannot be serialised): a presence actor on another node
// delivers through the session actor.
struct session_link {
  std::shared_ptr<wire::ws_link> socket;
};

// What a push notification says about a message (wire/records.hpp).
using wire::push_note;

} // namespace parley

// Local messages only (see session_link).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(parley::session_link)
