// The store's queries on the key directory (../shared/E2E.md §4). An
// upload is checked by the pure rules of wire/e2e/key_directory.hpp against
// what the device has, read under a lock in the same transaction.
#include <pqxx/pqxx>

#include <variant>

#include "actors/errors.hpp"
#include "actors/store_queries.hpp"
#include "storage/accounts_repo.hpp"
#include "storage/keys_repo.hpp"
#include "storage/messages_repo.hpp"

namespace parley {

namespace {

errc errc_of(e2e::key_fault fault) {
  switch (fault) {
    case e2e::key_fault::missing_field: return errc::missing_field;
    case e2e::key_fault::too_many_prekeys: return errc::too_many_prekeys;
    case e2e::key_fault::bad_key: return errc::bad_key;
    case e2e::key_fault::bad_signature: return errc::bad_signature;
    case e2e::key_fault::identity_mismatch: return errc::identity_mismatch;
    case e2e::key_fault::prekey_id_reused: return errc::prekey_id_reused;
    case e2e::key_fault::invalid_json: // answered by the REST edge
    case e2e::key_fault::invalid_field: break;
  }
  return errc::internal;
}

std::vector<std::uint32_t> ids_of(const e2e::key_upload& upload) {
  std::vector<std::uint32_t> out;
  out.reserve(upload.one_time_prekeys.size());
  for (auto& k : upload.one_time_prekeys)
    out.push_back(k.id);
  return out;
}

} // namespace

caf::result<std::int64_t> store_queries::publish_keys(const key_publication& req) {
  using outcome = std::variant<std::size_t, e2e::key_refusal>;
  auto done = conn_.run([&](pqxx::work& tx) -> outcome {
    auto stored = storage::lock_device_keys(tx, req.who.device_id, ids_of(req.upload));
    auto checked = e2e::check_key_upload(req.upload, stored);
    if (auto* refusal = std::get_if<e2e::key_refusal>(&checked))
      return *refusal; // nothing was written
    return storage::apply_key_changes(tx, req.who.user_id, req.who.device_id,
                                      std::get<e2e::key_changes>(checked));
  });
  if (!done)
    return done.error();
  if (auto* refusal = std::get_if<e2e::key_refusal>(&*done))
    return make_error(errc_of(refusal->fault), refusal->message);
  return static_cast<std::int64_t>(std::get<std::size_t>(*done));
}

caf::result<own_key_status> store_queries::key_status(id64 device) {
  auto status = conn_.run<pqxx::read_transaction>(
    [&](auto& tx) { return storage::device_key_status(tx, device); });
  if (!status)
    return status.error();
  own_key_status out;
  if (status->signed_prekey_id)
    out.signed_prekey_id = *status->signed_prekey_id;
  out.unclaimed = static_cast<std::int64_t>(status->unclaimed);
  return out;
}

caf::result<claimed_bundles> store_queries::claim(const key_claim& req) {
  auto claimed = conn_.run([&](pqxx::work& tx) -> std::optional<claimed_bundles> {
    if (!storage::user_exists(tx, req.user))
      return std::nullopt;
    std::optional<std::vector<id64>> only;
    if (!req.all_devices)
      only = req.only;
    auto bundles = storage::claim_bundles(tx, req.user, req.who.device_id, only,
                                          valid_after(), unix_now_ms());
    claimed_bundles out;
    out.bundles = static_cast<std::int32_t>(bundles.size());
    std::vector<id64> handed_out;
    for (auto& b : bundles)
      handed_out.push_back(b.device_id);
    for (auto& [device, left] : storage::unclaimed_counts(tx, handed_out))
      if (left < e2e::keys_low_threshold) {
        out.low_devices.push_back(device);
        out.low_remaining.push_back(static_cast<std::int64_t>(left));
      }
    out.body = e2e::bundles_json(req.user, bundles);
    return out;
  });
  if (!claimed)
    return claimed.error();
  if (!*claimed)
    return make_error(errc::no_such_user);
  return std::move(**claimed);
}

namespace {

// (user, device) pairs as the parallel lists actors pass around.
member_devices as_member_devices(const std::vector<std::pair<id64, id64>>& pairs) {
  member_devices out;
  for (auto& [user, device] : pairs) {
    out.users.push_back(user);
    out.devices.push_back(device);
  }
  return out;
}

} // namespace

caf::result<member_devices> store_queries::required_devices(const std::vector<id64>& users) {
  auto pairs = conn_.run<pqxx::read_transaction>(
    [&](auto& tx) { return storage::required_devices(tx, users, valid_after()); });
  if (!pairs)
    return pairs.error();
  return as_member_devices(*pairs);
}

caf::result<recheck_result> store_queries::recheck(const send_recheck& req) {
  auto found = conn_.run<pqxx::read_transaction>([&](auto& tx) {
    recheck_result out;
    if (auto earlier = storage::message_by_client_id(tx, req.sender_device, req.client_id)) {
      out.stored = true;
      out.earlier = std::move(*earlier);
      return out;
    }
    out.required = as_member_devices(storage::required_devices(tx, req.members, valid_after()));
    out.owners = as_member_devices(storage::device_owners(tx, req.named));
    return out;
  });
  if (!found)
    return found.error();
  return std::move(*found);
}

caf::result<std::int64_t> store_queries::sweep_envelopes(std::int64_t before_ms,
                                                        std::int32_t limit) {
  return conn_.run([&](pqxx::work& tx) {
    return static_cast<std::int64_t>(storage::sweep_envelopes(tx, before_ms, limit));
  });
}

caf::result<std::string> store_queries::identities(id64 user) {
  auto found = conn_.run<pqxx::read_transaction>([&](auto& tx) -> std::optional<std::string> {
    if (!storage::user_exists(tx, user))
      return std::nullopt;
    return e2e::identities_json(storage::device_identities(tx, user, valid_after()));
  });
  if (!found)
    return found.error();
  if (!*found)
    return make_error(errc::no_such_user);
  return std::move(**found);
}

} // namespace parley
