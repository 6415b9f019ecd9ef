#pragma once
// A device's own keys over their life (../shared/E2E.md §3, §13): made and
// published at login, one-time prekeys topped up to 100 on `keys_low`, the
// signed prekey replaced after 7 days and its predecessor's private key
// kept 30 days for prekey envelopes still on their way.
#include <cstdint>

#include "app/e2e/directory.hpp"
#include "app/e2e/state_store.hpp"

namespace parley::e2e_client {

constexpr std::size_t one_time_prekeys_kept = 100;
constexpr std::int64_t signed_prekey_life_ms = 7LL * 24 * 3600 * 1000;
constexpr std::int64_t replaced_prekey_kept_ms = 30LL * 24 * 3600 * 1000;

// IK, IKdh, SPK 1 and one-time prekeys 1-100, stored, then PUT /v1/keys;
// the unclaimed count the server reports. The store is expected empty.
std::size_t publish_new_keys(state_store& store, directory& dir, std::int64_t now_ms);

// Uploads new one-time prekeys (ids going up) to bring the unclaimed
// count back to 100; the count after.
std::size_t replenish_prekeys(state_store& store, directory& dir);

// Replaces a signed prekey older than 7 days, and uploads the current one
// if its upload has not succeeded yet (a failed one is tried again by the
// next command); true if it uploaded.
bool rotate_signed_prekey(state_store& store, directory& dir, std::int64_t now_ms);

} // namespace parley::e2e_client
