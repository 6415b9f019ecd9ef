// The key directory's part of a session (../shared/E2E.md §4): a device
// that has published keys and is running out of one-time prekeys hears
// `keys_low` right after `ready`, so it uploads more before peers find
// none. (Claims that leave it low reach it through its presence actor.)
#include "actors/atoms.hpp"
#include "actors/session_state.hpp"
#include "actors/store_messages.hpp"
#include "wire/e2e/key_directory.hpp"
#include "wire/json_out.hpp"

namespace parley::sess {

void check_keys_low(session_ptr self) {
  auto& st = self->state;
  self->request(st.queries, st.ctx->request_timeout, keys_atom::value, st.me.device_id)
    .then(
      [=](const own_key_status& status) {
        if (status.signed_prekey_id >= 0
            && status.unclaimed < static_cast<std::int64_t>(e2e::keys_low_threshold))
          push(self, wire::keys_low_frame(status.unclaimed));
      },
      [=](caf::error&) {
        // Unknown for now: the next claim that leaves it low says so.
      });
}

} // namespace parley::sess
