// Placement: a key's actor is asked of its home node, and asked again while
// the ring moves; a new ring sends away the actors whose home moved.
#include "actors/directory_state.hpp"

#include <spdlog/spdlog.h>

#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "actors/fault_notices.hpp"
#include "wire/metrics.hpp"

namespace parley::dir {

using namespace std::chrono;
using wire::metrics;

// The directory of `key`'s home node, another node, for a request relayed
// there (counted); invalid if that node is not a live member.
caf::actor home_directory(const directory_state& st, id64 key) {
  auto dir = st.place.peer(st.place.home_of(key));
  if (dir)
    metrics::get().cluster_remote_sends.fetch_add(1, std::memory_order_relaxed);
  return dir;
}

// Errors after which a lookup is worth asking again: the ring is moving.
bool ring_moving(const caf::error& err) {
  // A home that has not admitted this node yet (or dropped it a moment
  // ago) refuses it as a stranger until the two views agree again.
  return err == make_error(errc::not_owner) || err == make_error(errc::not_cluster_member)
         || err == caf::sec::request_receiver_down
         || err == caf::sec::remote_linking_failed;
}

void resolve(directory_ptr self, std::uint64_t token) {
  auto& st = self->state;
  auto it = st.lookups.find(token);
  if (it == st.lookups.end())
    return;
  auto& lookup = it->second;
  auto attempt = ++lookup.attempt;
  lookup.asked = -1;
  // The pending lookup of this attempt, or null if it was answered or
  // asked again meanwhile.
  auto current = [=]() -> pending_lookup* {
    auto it = self->state.lookups.find(token);
    return it == self->state.lookups.end() || it->second.attempt != attempt ? nullptr
                                                                             : &it->second;
  };
  auto finish = [=](auto&& answer) {
    if (!current())
      return;
    auto it = self->state.lookups.find(token);
    auto rp = std::move(it->second.rp);
    self->state.lookups.erase(it);
    rp.deliver(std::forward<decltype(answer)>(answer));
  };
  auto again = [=](const caf::error& err) {
    auto* lookup = current();
    if (!lookup)
      return;
    if (!ring_moving(err) || steady_clock::now() >= lookup->give_up)
      return finish(caf::error{err});
    self->delayed_send(self, milliseconds(100), retry_atom::value, token);
  };
  auto home = st.place.home_of(lookup.key);
  if (home == st.ctx->node_id)
    return finish(lookup.local());
  auto dir = st.place.peer(home);
  if (!dir)
    return again(make_error(errc::not_owner)); // a member the ring has not dropped yet
  lookup.asked = home;
  metrics::get().cluster_remote_sends.fetch_add(1, std::memory_order_relaxed);
  self->request(dir, st.ctx->request_timeout, lookup.relayed)
    .then([=](caf::actor& actor) { finish(std::move(actor)); },
          [=](caf::error& err) { again(err); });
}

// The actor for `key` from its home node: `local()` here, else `relayed`
// asked of the home's directory.
caf::response_promise lookup(directory_ptr self, id64 key, caf::message relayed,
                             std::function<caf::actor()> local) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  auto token = st.next_lookup++;
  st.lookups.emplace(token, pending_lookup{key, std::move(relayed), std::move(local), rp,
                                           steady_clock::now() + st.ctx->request_timeout});
  resolve(self, token);
  return rp;
}

// A new ring: actors whose home moved finish what they hold and leave;
// the next request for them reaches their new home.
void apply_ring(directory_ptr self, const std::vector<node_info>& live) {
  auto& st = self->state;
  std::vector<std::pair<int, caf::actor>> members;
  for (auto& member : live)
    members.emplace_back(member.node_id, member.directory);
  bool lost_peer = st.place.loses_peer(members);
  st.place.set_members(members);
  metrics::get().cluster_ring_changes.fetch_add(1, std::memory_order_relaxed);
  std::size_t moved = 0;
  for (auto* map : {&st.conversations, &st.presences}) {
    for (auto it = map->begin(); it != map->end();) {
      if (st.place.at_home(it->first)) {
        ++it;
        continue;
      }
      self->send(it->second, rehome_atom::value);
      it = map->erase(it);
      ++moved;
    }
  }
  metrics::get().cluster_rehomed.fetch_add(moved, std::memory_order_relaxed);
  // Lookups waiting on a node that just left would wait for their timeout
  // (a lost node never answers): ask the new home now.
  std::vector<std::uint64_t> stranded;
  for (auto& [token, lookup] : st.lookups)
    if (lookup.asked >= 0 && !st.place.is_peer(lookup.asked))
      stranded.push_back(token);
  for (auto token : stranded)
    resolve(self, token);
  spdlog::info("cluster: ring of {} node(s); {} actor(s) moving away", st.place.size(),
               moved);
  // Frames in flight through the lost node died with it: this node's
  // connected devices read what they may have missed. And every change
  // makes them attach to their presence actors again: a node that drops
  // this one for a moment (it froze, or the network did) detaches its
  // sessions, which cannot tell.
  auto notices = fault_notices(self->system());
  if (lost_peer)
    self->send(notices, recover_atom::value);
  self->send(notices, ring_atom::value);
}

} // namespace parley::dir
