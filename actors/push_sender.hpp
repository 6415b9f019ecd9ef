#pragma once
// A push sender: a detached actor that POSTs one notification at a time to
// the push gateway, so that a slow or dead gateway only ever blocks these
// threads, never message delivery. The notifier owns a few of them.
//
// Interface:
//   (push_atom, string payload) -> (int status, string error)
//        status 0: no answer (error says why: refused, timed out, ...)
#include <caf/fwd.hpp>

#include "actors/context.hpp"
#include "wire/http_post.hpp"

namespace parley {

// `post` is the blocking HTTP client (net/webhook.hpp in parleyd).
caf::actor spawn_push_sender(caf::actor_system& sys, context_ptr ctx, wire::json_poster post);

} // namespace parley
