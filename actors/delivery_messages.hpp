#pragma once
// How a delivered message reaches a device: straight to a local socket
// (session_link), or as a push notification for a user with none.
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <memory>

#include "actors/wire_inspect.hpp"
#include "wire/ids.hpp"
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

// What a push notification says about a message (never its body).
struct push_note {
  id64 conversation = 0;
  id64 msg_id = 0;
  std::int64_t seq = 0;
  id64 from = 0;
  std::int64_t ts = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, push_note& x) {
  return f(caf::meta::type_name("push_note"), x.conversation, x.msg_id, x.seq, x.from,
           x.ts);
}

} // namespace parley

// Local messages only (see session_link).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(parley::session_link)
