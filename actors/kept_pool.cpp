#include "actors/kept_pool.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <vector>

namespace parley {

namespace {

struct keeper_state {
  // Nobody else holds the keeper, and CAF stops an actor nobody holds
  // (exit_reason::unreachable): it holds itself until it quits.
  caf::actor me;
  caf::actor pool;
  std::function<caf::actor()> factory;
  static inline const char* name = "pool_keeper";
};

// The pool handles `put` as it is enqueued (it is not a scheduled actor),
// so a worker added here serves the very next request.
void put(const caf::actor& pool, const caf::actor& worker) {
  caf::anon_send(pool, caf::sys_atom::value, caf::put_atom::value, worker);
}

void add_worker(caf::stateful_actor<keeper_state>* self) {
  auto& st = self->state;
  auto worker = st.factory();
  self->monitor(worker);
  put(st.pool, worker);
}

caf::behavior pool_keeper(caf::stateful_actor<keeper_state>* self, caf::actor pool,
                          std::vector<caf::actor> workers,
                          std::function<caf::actor()> factory) {
  self->state.me = caf::actor_cast<caf::actor>(self);
  self->state.pool = pool;
  self->state.factory = std::move(factory);
  self->monitor(pool);
  for (auto& worker : workers)
    self->monitor(worker);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (dm.source == st.pool.address())
      return self->quit();
    // The pool's shutdown stops its workers with the reason it got.
    if (dm.reason == caf::exit_reason::user_shutdown)
      return;
    spdlog::error("a pooled worker died ({}): replacing it", to_string(dm.reason));
    add_worker(self);
  });
  // Only down messages matter; this handler never matches anything sent.
  return {[](caf::ok_atom, caf::unit_t) {}};
}

} // namespace

caf::actor spawn_kept_pool(caf::actor_system& sys, std::size_t n,
                           std::function<caf::actor()> factory) {
  auto pool = caf::actor_pool::make(sys.dummy_execution_unit(), caf::actor_pool::round_robin());
  std::vector<caf::actor> workers;
  for (std::size_t i = 0; i < n; ++i) {
    workers.push_back(factory());
    put(pool, workers.back());
  }
  sys.spawn(pool_keeper, pool, std::move(workers), std::move(factory));
  return pool;
}

} // namespace parley
