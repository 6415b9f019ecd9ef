// Keeping the conversations' required devices current across the cluster:
// a device that publishes keys, or whose last token is revoked, changes
// every required set its user is in, on every node, before the request
// that changed it is answered (E2E.md §9).
#include "actors/directory_state.hpp"

#include <memory>

#include "actors/atoms.hpp"

namespace parley::dir {

void watch_devices(directory_ptr self, const std::vector<id64>& users) {
  auto watcher = caf::actor_cast<caf::actor>(self->current_sender());
  if (!watcher || watcher->node() != self->node())
    return;
  self->state.device_watchers.watch(watcher.address(), watcher, users);
}

void tell_device_watchers(directory_ptr self, id64 user) {
  // Enqueued now: a send that reaches the conversation after this returns
  // is handled after the change.
  self->state.device_watchers.each_watcher(
    user, [&](const caf::actor& conv) { self->send(conv, devchange_atom::value, user); });
}

caf::response_promise devices_changed(directory_ptr self, id64 user) {
  auto rp = self->make_response_promise();
  tell_device_watchers(self, user);
  auto peers = self->state.place.peer_handles();
  if (peers.empty()) {
    rp.deliver(true);
    return rp;
  }
  auto left = std::make_shared<std::size_t>(peers.size());
  auto one_done = [=]() mutable {
    if (--*left == 0)
      rp.deliver(true);
  };
  for (auto& peer : peers)
    self->request(peer, self->state.ctx->request_timeout, relayed_atom::value,
                  devchange_atom::value, user)
      .then([=](bool) mutable { one_done(); }, [=](caf::error&) mutable { one_done(); });
  return rp;
}

} // namespace parley::dir
