#include "actors/throttle.hpp"

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/attempt_limits.hpp"

namespace parley {

namespace {

using namespace std::chrono;

struct throttle_state {
  keyed_buckets failures{5, minutes(15)};
  keyed_buckets attempts{30, minutes(1)};
  keyed_buckets signups{20, hours(1)};
  keyed_buckets lookups{120, minutes(1)};
  keyed_buckets claims{3000, minutes(1)};
  static inline const char* name = "throttle";
};

using throttle_ptr = caf::stateful_actor<throttle_state>*;

constexpr auto prune_every = minutes(1);

std::int64_t waited(milliseconds ms) {
  return ms.count();
}

caf::behavior throttle(throttle_ptr self, throttle_config cfg) {
  auto& st = self->state;
  st.failures = keyed_buckets{cfg.login_failures_per_user, minutes(15)};
  st.attempts = keyed_buckets{cfg.login_attempts_per_ip, minutes(1)};
  st.signups = keyed_buckets{cfg.signups_per_ip, hours(1)};
  st.lookups = keyed_buckets{cfg.lookups_per_ip, minutes(1)};
  st.claims = keyed_buckets{cfg.key_claims_per_user, minutes(1)};
  self->delayed_send(self, prune_every, gc_atom::value);
  return {
    [=](login_atom, const std::string& username, const std::string& address) {
      auto now = steady_clock::now();
      auto& s = self->state;
      // A username whose failures are used up is refused without taking
      // the address's token, so a locked account costs its owner's
      // network nothing more.
      auto locked = s.failures.wait(username, now);
      if (locked.count() > 0)
        return waited(locked);
      return waited(s.attempts.take(address, now));
    },
    [=](failed_atom, const std::string& username) {
      self->state.failures.take(username, steady_clock::now());
    },
    [=](signup_atom, const std::string& address) {
      return waited(self->state.signups.take(address, steady_clock::now()));
    },
    [=](lookup_atom, const std::string& address) {
      return waited(self->state.lookups.take(address, steady_clock::now()));
    },
    [=](claim_atom, const std::string& user) {
      return waited(self->state.claims.wait(user, steady_clock::now()));
    },
    [=](claim_atom, const std::string& user, std::int32_t bundles) {
      self->state.claims.charge(user, steady_clock::now(),
                                static_cast<unsigned>(std::max(0, bundles)));
    },
    [=](gc_atom) {
      auto now = steady_clock::now();
      auto& s = self->state;
      for (auto* b : {&s.failures, &s.attempts, &s.signups, &s.lookups, &s.claims})
        b->prune(now);
      self->delayed_send(self, prune_every, gc_atom::value);
    },
  };
}

} // namespace

caf::actor spawn_throttle(caf::actor_system& sys, throttle_config cfg) {
  return sys.spawn(throttle, cfg);
}

} // namespace parley
