#pragma once
// Argon2 off the query stores: a bounded pool of detached workers that hash
// and check passwords, so a burst of logins never delays anyone's history
// or authentication, and never queues without end.
//   (hash_atom, password)          -> std::string   the encoded Argon2id hash
//   (verify_atom, password, hash)  -> bool          ("" is checked against a
//                                                    dummy hash, at the same
//                                                    cost: unknown usernames
//                                                    take as long as wrong
//                                                    passwords)
// With `max_waiting` requests in flight more are refused at once with
// errc::overloaded (503 `unavailable`). A failure of Argon2 or of the RNG
// is answered with errc::internal; the worker lives on.
#include <caf/fwd.hpp>

#include <cstddef>

#include "wire/credentials.hpp"

namespace parley {

caf::actor spawn_hasher(caf::actor_system& sys, credentials::argon2_params params,
                        std::size_t workers, std::size_t max_waiting);

} // namespace parley
