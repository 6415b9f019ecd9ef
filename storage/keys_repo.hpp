#pragma once
// The key directory (../shared/E2E.md §4): devices' public keys, one-time
// prekeys and their claims. Every function runs inside the caller's
// transaction; none commits. The rules an upload is checked by are pure
// (wire/e2e/key_directory.hpp).
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <pqxx/types.hxx>

#include "wire/e2e/key_directory.hpp"
#include "wire/ids.hpp"

namespace parley::storage {

// Locks the device against concurrent uploads and reads what it has, with
// the one-time prekeys of `ids` ever accepted.
e2e::stored_keys lock_device_keys(pqxx::transaction_base& tx, id64 device,
                                  const std::vector<std::uint32_t>& ids);

// Writes a checked upload; the device's unclaimed one-time prekeys after it.
std::size_t apply_key_changes(pqxx::transaction_base& tx, id64 user, id64 device,
                              const e2e::key_changes& changes);

struct key_status {
  std::optional<std::uint32_t> signed_prekey_id; // none: nothing published
  std::size_t unclaimed = 0;
};

key_status device_key_status(pqxx::transaction_base& tx, id64 device);

// Bundles of `user`'s current devices with keys, except `requester`, each
// with a one-time prekey claimed at `now` if it has one left; `only` (if
// given) narrows them to those ids.
std::vector<e2e::device_bundle> claim_bundles(pqxx::transaction_base& tx, id64 user,
                                              id64 requester,
                                              const std::optional<std::vector<id64>>& only,
                                              std::int64_t valid_after, std::int64_t now);

// Unclaimed one-time prekeys of each device in `devices`.
std::vector<std::pair<id64, std::size_t>> unclaimed_counts(pqxx::transaction_base& tx,
                                                           const std::vector<id64>& devices);

std::vector<e2e::device_identity> device_identities(pqxx::transaction_base& tx, id64 user,
                                                    std::int64_t valid_after);

// (user, device) for every current device with keys of `users`, in
// numeric order of device.
std::vector<std::pair<id64, id64>> required_devices(pqxx::transaction_base& tx,
                                                    const std::vector<id64>& users,
                                                    std::int64_t valid_after);

// (user, device) for each id in `devices` that is or was a device.
std::vector<std::pair<id64, id64>> device_owners(pqxx::transaction_base& tx,
                                                 const std::vector<id64>& devices);

// Deletes up to `limit` envelopes of messages stamped before `before_ms`
// that their device acknowledged as delivered; how many.
std::size_t sweep_envelopes(pqxx::transaction_base& tx, std::int64_t before_ms, int limit);

// Deletes the keys of those of `devices` left without an unrevoked token;
// the devices whose keys went.
std::vector<id64> drop_keys_of_signed_out(pqxx::transaction_base& tx,
                                          const std::vector<id64>& devices);

} // namespace parley::storage
