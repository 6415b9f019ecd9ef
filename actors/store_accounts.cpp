// The store's queries on accounts, devices, tokens and push tokens.
#include <pqxx/pqxx>

#include <algorithm>
#include <limits>

#include "storage/accounts_repo.hpp"
#include "storage/blocks_repo.hpp"
#include "storage/groups_repo.hpp"
#include "storage/keys_repo.hpp"
#include "storage/media_repo.hpp"
#include "storage/messages_repo.hpp"
#include "storage/presence_repo.hpp"
#include "wire/credentials.hpp"
#include "actors/store_queries.hpp"

namespace parley {

caf::result<id64> store_queries::signup(const std::string& username,
                                        const std::string& hash) {
  auto user_id = ctx_->ids->next();
  auto created = conn_.run([&](pqxx::work& tx) {
    return storage::create_user(tx, user_id, username, hash);
  });
  if (!created)
    return created.error();
  if (!*created)
    return make_error(errc::username_taken);
  return user_id;
}

namespace {

// The stored credentials as the hasher checks them: an empty secret for an
// account that does not exist.
caf::result<user_secret>
as_secret(caf::expected<std::optional<storage::user_credentials>> creds) {
  if (!creds)
    return creds.error();
  if (!*creds)
    return user_secret{};
  return user_secret{(*creds)->user_id, (*creds)->password_hash};
}

} // namespace

caf::result<user_secret> store_queries::secret_of(const std::string& username) {
  return as_secret(conn_.run<pqxx::read_transaction>(
    [&](auto& tx) { return storage::find_credentials(tx, username); }));
}

caf::result<user_secret> store_queries::secret_of(id64 user) {
  return as_secret(conn_.run<pqxx::read_transaction>(
    [&](auto& tx) { return storage::credentials_of(tx, user); }));
}

caf::result<login_result> store_queries::login(const login_request& req) {
  auto user_id = req.user_id;
  std::string token;
  try {
    token = credentials::new_token();
  } catch (const std::exception&) { // the RNG failed: answered, the store lives on
    return make_error(errc::internal);
  }
  auto device = conn_.run([&](pqxx::work& tx) -> id64 {
    auto device_id = req.device_id;
    auto signed_in = storage::live_devices(tx, user_id, valid_after());
    bool already_in = std::any_of(signed_in.begin(), signed_in.end(),
                                  [&](auto& d) { return d.device_id == device_id; });
    if (!already_in && signed_in.size() >= ctx_->max_devices)
      return -1;
    if (device_id == 0) {
      device_id = ctx_->ids->next();
      storage::create_device(tx, device_id, user_id, req.device_name);
    } else if (!storage::device_belongs_to(tx, device_id, user_id)) {
      return 0;
    }
    storage::store_token(tx, credentials::token_digest(token), device_id, user_id);
    return device_id;
  });
  if (!device)
    return device.error();
  if (*device == 0)
    return make_error(errc::bad_credentials);
  if (*device < 0)
    return make_error(errc::too_many_devices);
  return login_result{token, user_id, *device};
}

caf::result<identity> store_queries::authenticate(const std::string& token) {
  if (!credentials::looks_like_token(token))
    return make_error(errc::unauthorized);
  // Every connection starts here: one statement, no transaction around it.
  auto owner = conn_.find<pqxx::nontransaction>(errc::unauthorized, [&](auto& tx) {
    return storage::token_owner_of(tx, credentials::token_digest(token), valid_after(),
                                   unix_now_ms() - ctx_->token_renewal().count());
  });
  if (!owner)
    return owner.error();
  return identity{owner->user_id, owner->device_id};
}

caf::result<bool> store_queries::revoke(const std::string& token) {
  // A device whose last token goes loses its keys (../shared/E2E.md §4).
  return conn_.run([&](pqxx::work& tx) {
    auto device = storage::revoke_token(tx, credentials::token_digest(token));
    if (device)
      storage::drop_keys_of_signed_out(tx, {*device});
    return device.has_value();
  });
}

std::int64_t store_queries::valid_after() const {
  return unix_now_ms() - ctx_->token_ttl.count();
}

caf::result<std::vector<wire::device_row>> store_queries::devices(id64 user) {
  return conn_.run<pqxx::read_transaction>(
    [&](auto& tx) { return storage::live_devices(tx, user, valid_after()); });
}

caf::result<bool> store_queries::remove_device(id64 user, id64 device) {
  auto removed = conn_.run([&](pqxx::work& tx) {
    auto done = storage::remove_device(tx, user, device);
    if (done)
      storage::drop_keys_of_signed_out(tx, {device});
    return done;
  });
  if (!removed)
    return removed.error();
  if (!*removed)
    return make_error(errc::no_such_device);
  return true;
}

caf::result<std::vector<id64>> store_queries::change_password(const password_change& req) {
  return conn_.run([&](pqxx::work& tx) {
    auto signed_out =
      storage::set_password(tx, req.who.user_id, req.who.device_id, req.new_hash);
    storage::drop_keys_of_signed_out(tx, signed_out);
    return signed_out;
  });
}

caf::result<wire::user_ref> store_queries::lookup(const std::string& username) {
  return conn_.find(errc::no_such_user,
                   [&](auto& tx) { return storage::find_user(tx, username); });
}

caf::result<bool> store_queries::set_push_token(id64 device, const std::string& token) {
  return conn_.run([&](pqxx::work& tx) {
    storage::set_push_token(tx, device, token);
    return true;
  });
}

caf::result<std::vector<std::string>> store_queries::push_tokens(id64 user) {
  return conn_.run<pqxx::read_transaction>(
    [&](auto& tx) { return storage::push_tokens(tx, user); });
}

caf::result<std::vector<id64>, std::vector<std::string>>
store_queries::device_tokens(id64 user) {
  auto rows = conn_.run<pqxx::read_transaction>(
    [&](auto& tx) { return storage::logged_in_devices(tx, user); });
  if (!rows)
    return rows.error();
  std::vector<id64> devices;
  std::vector<std::string> tokens;
  for (auto& [device, token] : *rows) {
    devices.push_back(device);
    tokens.push_back(token);
  }
  return {std::move(devices), std::move(tokens)};
}

caf::result<bool> store_queries::ping() {
  return conn_.run<pqxx::read_transaction>(
    [&](auto& tx) { return !tx.exec_prepared("ping").empty(); });
}

} // namespace parley
