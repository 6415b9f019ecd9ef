#include "storage/keys_repo.hpp"

#include <pqxx/pqxx>

#include "storage/pg_array.hpp"

namespace parley::storage {

namespace {

e2e::published_identity identity_at(const pqxx::row& row, int first) {
  return {row[first].as<std::string>(), row[first + 1].as<std::string>(),
          row[first + 2].as<std::string>()};
}

e2e::published_prekey signed_prekey_at(const pqxx::row& row, int first) {
  return {row[first].as<std::uint32_t>(), row[first + 1].as<std::string>(),
          row[first + 2].as<std::string>()};
}

} // namespace

e2e::stored_keys lock_device_keys(pqxx::transaction_base& tx, id64 device,
                                  const std::vector<std::uint32_t>& ids) {
  tx.exec_prepared("keys_lock_device", device);
  e2e::stored_keys out;
  auto keys = tx.exec_prepared("keys_of_device", device);
  if (!keys.empty()) {
    out.identity = identity_at(keys[0], 0);
    out.signed_prekey = signed_prekey_at(keys[0], 3);
  }
  out.unclaimed = tx.exec_prepared("keys_unclaimed", device)[0][0].as<std::size_t>();
  if (ids.empty())
    return out;
  int_array wanted;
  for (auto id : ids)
    wanted.add(static_cast<std::int64_t>(id));
  for (auto row : tx.exec_prepared("keys_known", device, wanted.literal()))
    out.known.push_back({row[0].as<std::uint32_t>(), row[1].as<std::string>(), {}});
  return out;
}

std::size_t apply_key_changes(pqxx::transaction_base& tx, id64 user, id64 device,
                              const e2e::key_changes& changes) {
  if (changes.identity) {
    auto& id = *changes.identity;
    auto& spk = *changes.signed_prekey; // a first upload always has one
    tx.exec_prepared("keys_publish", device, user, id.key, id.dh, id.sig,
                     static_cast<std::int64_t>(spk.id), spk.key, spk.sig, unix_now_ms());
  } else if (auto& spk = changes.signed_prekey) {
    tx.exec_prepared("keys_set_signed_prekey", device, static_cast<std::int64_t>(spk->id),
                     spk->key, spk->sig);
  }
  if (!changes.new_prekeys.empty()) {
    int_array ids;
    text_array keys;
    for (auto& k : changes.new_prekeys) {
      ids.add(static_cast<std::int64_t>(k.id));
      keys.add(k.key);
    }
    tx.exec_prepared("keys_add_prekeys", device, ids.literal(), keys.literal());
  }
  return tx.exec_prepared("keys_unclaimed", device)[0][0].as<std::size_t>();
}

key_status device_key_status(pqxx::transaction_base& tx, id64 device) {
  auto row = tx.exec_prepared("keys_status", device)[0];
  key_status out;
  if (!row[0].is_null())
    out.signed_prekey_id = row[0].as<std::uint32_t>();
  out.unclaimed = row[1].as<std::size_t>();
  return out;
}

std::vector<e2e::device_bundle> claim_bundles(pqxx::transaction_base& tx, id64 user,
                                              id64 requester,
                                              const std::optional<std::vector<id64>>& only,
                                              std::int64_t valid_after, std::int64_t now) {
  std::vector<e2e::device_bundle> out;
  auto rows = tx.exec_prepared("keys_claim", user, requester, !only.has_value(), valid_after,
                               now, id_array(only ? *only : std::vector<id64>{}));
  for (auto row : rows) {
    e2e::device_bundle b{row[0].as<id64>(), identity_at(row, 1), signed_prekey_at(row, 4),
                         std::nullopt};
    if (!row[7].is_null())
      b.one_time_prekey = e2e::published_prekey{row[7].as<std::uint32_t>(),
                                                row[8].as<std::string>(), {}};
    out.push_back(std::move(b));
  }
  return out;
}

std::vector<std::pair<id64, std::size_t>> unclaimed_counts(pqxx::transaction_base& tx,
                                                           const std::vector<id64>& devices) {
  std::vector<std::pair<id64, std::size_t>> out;
  for (auto row : tx.exec_prepared("keys_remaining", id_array(devices)))
    out.emplace_back(row[0].as<id64>(), row[1].as<std::size_t>());
  return out;
}

std::vector<e2e::device_identity> device_identities(pqxx::transaction_base& tx, id64 user,
                                                    std::int64_t valid_after) {
  std::vector<e2e::device_identity> out;
  for (auto row : tx.exec_prepared("keys_identities", user, valid_after))
    out.push_back({row[0].as<id64>(), identity_at(row, 1)});
  return out;
}

namespace {

std::vector<std::pair<id64, id64>> pairs_of(const pqxx::result& rows) {
  std::vector<std::pair<id64, id64>> out;
  out.reserve(rows.size());
  for (auto row : rows)
    out.emplace_back(row[0].as<id64>(), row[1].as<id64>());
  return out;
}

} // namespace

std::vector<std::pair<id64, id64>> required_devices(pqxx::transaction_base& tx,
                                                    const std::vector<id64>& users,
                                                    std::int64_t valid_after) {
  return pairs_of(tx.exec_prepared("keys_required", id_array(users), valid_after));
}

std::vector<std::pair<id64, id64>> device_owners(pqxx::transaction_base& tx,
                                                 const std::vector<id64>& devices) {
  return pairs_of(tx.exec_prepared("keys_device_owners", id_array(devices)));
}

std::size_t sweep_envelopes(pqxx::transaction_base& tx, std::int64_t before_ms, int limit) {
  return tx.exec_prepared("envelopes_sweep", before_ms, limit).affected_rows();
}

std::vector<id64> drop_keys_of_signed_out(pqxx::transaction_base& tx,
                                          const std::vector<id64>& devices) {
  std::vector<id64> out;
  for (auto row : tx.exec_prepared("keys_drop_signed_out", id_array(devices)))
    out.push_back(row[0].as<id64>());
  return out;
}

} // namespace parley::storage
