#include "actors/envelope_sweeper.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "wire/ids.hpp"
#include "wire/metrics.hpp"

namespace parley {

namespace {

// Rows per statement: a sweep never holds locks for long.
constexpr std::int32_t batch_limit = 5000;
// A sweep stops after this many batches and goes on at the next interval.
constexpr int max_batches = 100;

struct sweeper_state {
  context_ptr ctx;
  caf::actor queries;
  bool running = false;
  static inline const char* name = "envelope-sweeper";
};

using sweeper_ptr = caf::stateful_actor<sweeper_state>*;

void sweep_batch(sweeper_ptr self, std::int64_t before_ms, int batch) {
  auto& st = self->state;
  self->request(st.queries, st.ctx->request_timeout, gc_atom::value, envelopes_atom::value,
                before_ms, batch_limit)
    .then(
      [=](std::int64_t deleted) {
        wire::metrics::get().envelopes_swept.fetch_add(static_cast<std::uint64_t>(deleted));
        if (deleted >= batch_limit && batch + 1 < max_batches)
          return sweep_batch(self, before_ms, batch + 1);
        self->state.running = false;
      },
      [=](caf::error& err) {
        spdlog::warn("envelope sweeper: {}", describe(err));
        self->state.running = false;
      });
}

caf::behavior sweeper(sweeper_ptr self, context_ptr ctx, caf::actor queries) {
  self->state.ctx = ctx;
  self->state.queries = std::move(queries);
  self->delayed_send(self, ctx->envelope_sweep_interval, gc_atom::value);
  return {
    [=](gc_atom) {
      auto& st = self->state;
      self->delayed_send(self, st.ctx->envelope_sweep_interval, gc_atom::value);
      if (st.running)
        return;
      st.running = true;
      auto retention_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(st.ctx->envelope_retention);
      sweep_batch(self, unix_now_ms() - retention_ms.count(), 0);
    },
  };
}

} // namespace

caf::actor spawn_envelope_sweeper(caf::actor_system& sys, context_ptr ctx,
                                  caf::actor queries) {
  return sys.spawn(sweeper, std::move(ctx), std::move(queries));
}

} // namespace parley
