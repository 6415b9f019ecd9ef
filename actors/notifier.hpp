#pragma once
// The push notifier: one per node, spawned only with --push-webhook. A
// presence actor asks it for a notification when a message reaches a user
// with no live device. It coalesces per user and conversation (one
// notification per window, carrying a count), looks up the user's device
// push tokens, and hands the JSON to its push senders, retrying failures
// with exponential backoff from a bounded queue. A gateway that refuses a
// notification (4xx) is logged, not retried.
//
// Interface:
//   (push_atom, id64 user, push_note note)     a message for an offline user
//   (push_atom, call_atom, call_push, vector<id64> online_devices)
//                                              a call rings: pushed at once to
//                                              the devices without a websocket
//   (push_atom, call_atom, id64 call_id, string reason)
//                                              it stopped ringing: the same tokens
//
// Payload POSTed to the gateway (never the body):
//   {"user_id", "conversation", "msg_id", "seq", "from", "ts", "count", "tokens"}
// and for calls (never the SDP) {"kind": "call", ...} and {"kind": "call_ended", ...}
// (wire/rest_bodies.hpp).
#include <caf/fwd.hpp>

#include "actors/context.hpp"
#include "wire/http_post.hpp"

namespace parley {

// `queries`: the query store pool (for the push tokens).
// `post` reaches the gateway (net/webhook.hpp in parleyd).
caf::actor spawn_notifier(caf::actor_system& sys, context_ptr ctx, caf::actor queries,
                          wire::json_poster post);

} // namespace parley
