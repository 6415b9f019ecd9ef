#include "actors/push_sender.hpp"

#include <caf/all.hpp>

#include "actors/atoms.hpp"

namespace parley {

namespace {

caf::behavior push_sender(caf::event_based_actor*, context_ptr ctx, wire::json_poster post) {
  auto url = wire::parse_http_url(ctx->push_webhook); // validated by the config
  return {
    [=](push_atom, const std::string& payload) -> caf::result<int, std::string> {
      if (!url)
        return {0, "invalid webhook URL"};
      auto r = post(*url, payload, ctx->push_timeout);
      return {r.status, r.error};
    },
  };
}

} // namespace

caf::actor spawn_push_sender(caf::actor_system& sys, context_ptr ctx, wire::json_poster post) {
  return sys.spawn<caf::detached>(push_sender, std::move(ctx), std::move(post));
}

} // namespace parley
