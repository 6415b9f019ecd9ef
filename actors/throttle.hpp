#pragma once
// The node's throttle for the doors a stranger can knock on: logins (per
// username, counting failures, and per source address, counting
// attempts), sign-ups and username lookups (per source address). Asked
// before any password is hashed; it answers how many milliseconds the
// caller must wait (0: go ahead). Each node counts alone: behind a
// balancer of N nodes an attacker gets at most N times the budget.
//
//   (login_atom, username, address)  -> int64 wait_ms (an attempt)
//   (failed_atom, username)          -> (a failed login, after the check)
//   (signup_atom, address)           -> int64 wait_ms
//   (lookup_atom, address)           -> int64 wait_ms
//   (claim_atom, user)               -> int64 wait_ms (before a key claim)
//   (claim_atom, user, bundles)      -> (the bundles it handed out)
#include <caf/fwd.hpp>

#include <chrono>

namespace parley {

struct throttle_config {
  unsigned login_failures_per_user = 5;   // per 15 minutes; 0: unlimited
  unsigned login_attempts_per_ip = 30;    // per minute
  unsigned signups_per_ip = 20;           // per hour
  unsigned lookups_per_ip = 120;          // per minute
  unsigned key_claims_per_user = 3000;    // device bundles per minute
};

caf::actor spawn_throttle(caf::actor_system& sys, throttle_config cfg);

} // namespace parley
