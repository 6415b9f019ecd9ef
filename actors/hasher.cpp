#include "actors/hasher.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <vector>

#include "actors/atoms.hpp"
#include "actors/errors.hpp"

namespace parley {

namespace {

// Computes `f()`, or answers internal if Argon2 or the RNG failed.
template <class F>
auto guarded(F f) -> caf::result<decltype(f())> {
  try {
    return f();
  } catch (const std::exception& e) {
    spdlog::error("password hashing failed: {}", e.what());
    return make_error(errc::internal);
  }
}

caf::behavior hash_worker(caf::event_based_actor*, credentials::argon2_params params) {
  // The same cost as a real check, for usernames that do not exist.
  auto dummy = std::make_shared<std::string>();
  return {
    [=](hash_atom, const std::string& password) {
      return guarded([&] { return credentials::hash_password(password, params); });
    },
    [=](verify_atom, const std::string& password, const std::string& hash) {
      return guarded([&] {
        if (!hash.empty())
          return credentials::verify_password(password, hash);
        if (dummy->empty())
          *dummy = credentials::hash_password("not a password", params);
        credentials::verify_password(password, *dummy);
        return false;
      });
    },
  };
}

struct hasher_state {
  std::vector<caf::actor> workers;
  std::size_t next = 0;
  std::size_t in_flight = 0;
  std::size_t max_waiting = 0;
  static inline const char* name = "hasher";
};

using hasher_ptr = caf::stateful_actor<hasher_state>*;

// Hands the request to the next worker and answers when it has.
template <class Result, class... Ts>
caf::result<Result> dispatch(hasher_ptr self, Ts... xs) {
  auto& st = self->state;
  if (st.in_flight >= st.max_waiting)
    return make_error(errc::overloaded);
  ++st.in_flight;
  auto& worker = st.workers[st.next++ % st.workers.size()];
  auto rp = self->make_response_promise<Result>();
  self->request(worker, caf::infinite, xs...)
    .then(
      [=](Result& r) mutable {
        --self->state.in_flight;
        rp.deliver(std::move(r));
      },
      [=](caf::error& err) mutable {
        --self->state.in_flight;
        rp.deliver(std::move(err));
      });
  return rp;
}

caf::behavior hasher(hasher_ptr self, credentials::argon2_params params, std::size_t workers,
                     std::size_t max_waiting) {
  auto& st = self->state;
  st.max_waiting = std::max<std::size_t>(max_waiting, 1);
  for (std::size_t i = 0; i < std::max<std::size_t>(workers, 1); ++i)
    st.workers.push_back(self->spawn<caf::detached + caf::linked>(hash_worker, params));
  return {
    [=](hash_atom, const std::string& password) {
      return dispatch<std::string>(self, hash_atom::value, password);
    },
    [=](verify_atom, const std::string& password, const std::string& hash) {
      return dispatch<bool>(self, verify_atom::value, password, hash);
    },
  };
}

} // namespace

caf::actor spawn_hasher(caf::actor_system& sys, credentials::argon2_params params,
                        std::size_t workers, std::size_t max_waiting) {
  return sys.spawn(hasher, params, workers, max_waiting);
}

} // namespace parley
