#include "actors/push_sender.hpp"

#include <caf/all.hpp>

#include "actors/messages.hpp"
#include "net/webhook.hpp"

namespace parley {

namespace {

caf::behavior push_sender(caf::event_based_actor*, context_ptr ctx) {
  auto url = net::parse_http_url(ctx->push_webhook); // validated by the config
  return {
    [=](push_atom, const std::string& payload) -> caf::result<int, std::string> {
      if (!url)
        return {0, "invalid webhook URL"};
      auto r = net::post_json(*url, payload, ctx->push_timeout);
      return {r.status, r.error};
    },
  };
}

} // namespace

caf::actor spawn_push_sender(caf::actor_system& sys, context_ptr ctx) {
  return sys.spawn<caf::detached>(push_sender, std::move(ctx));
}

} // namespace parley
