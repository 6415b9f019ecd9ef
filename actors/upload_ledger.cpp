#include "actors/upload_ledger.hpp"

#include <caf/all.hpp>

#include <chrono>

#include "actors/atoms.hpp"
#include "actors/errors.hpp"

namespace parley {

namespace {

struct ledger_state {
  upload_reservations reservations{{}};
  caf::actor queries;
  static inline const char* name = "upload_ledger";
};

using ledger_ptr = caf::stateful_actor<ledger_state>*;

caf::behavior upload_ledger(ledger_ptr self, upload_limits limits, caf::actor queries) {
  self->state.reservations = upload_reservations{limits};
  self->state.queries = std::move(queries);
  return {
    [=](reserve_atom, id64 user, std::int64_t declared) -> caf::result<std::int64_t> {
      auto rp = self->make_response_promise<std::int64_t>();
      self->request(self->state.queries, std::chrono::seconds(3), usage_atom::value, user)
        .then(
          [=](std::int64_t stored) mutable {
            auto r = self->state.reservations.reserve(user, declared, stored);
            if (r.refused == upload_refusal::too_many_uploads)
              rp.deliver(make_error(errc::too_many_uploads));
            else if (r.refused == upload_refusal::quota_exceeded)
              rp.deliver(make_error(errc::quota_exceeded));
            else
              rp.deliver(r.bytes);
          },
          [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](release_atom, id64 user, std::int64_t bytes) {
      self->state.reservations.release(user, bytes);
    },
  };
}

} // namespace

caf::actor spawn_upload_ledger(caf::actor_system& sys, upload_limits limits,
                               caf::actor queries) {
  return sys.spawn(upload_ledger, limits, std::move(queries));
}

} // namespace parley
