#include "storage/accounts_repo.hpp"

#include <pqxx/pqxx>

#include <algorithm>

namespace parley::storage {

bool create_user(pqxx::transaction_base& tx, id64 user_id,
                 const std::string& username, const std::string& password_hash) {
  return !tx.exec_prepared("create_user", user_id, username, password_hash,
                           unix_now_ms())
            .empty();
}

std::optional<user_credentials> find_credentials(pqxx::transaction_base& tx,
                                                 const std::string& username) {
  auto r = tx.exec_prepared("user_credentials", username);
  if (r.empty())
    return std::nullopt;
  return user_credentials{r[0][0].as<id64>(), r[0][1].as<std::string>()};
}

std::optional<user_ref> find_user(pqxx::transaction_base& tx,
                                  const std::string& username) {
  auto r = tx.exec_prepared("user_by_name", username);
  if (r.empty())
    return std::nullopt;
  return user_ref{r[0][0].as<id64>(), r[0][1].as<std::string>()};
}

bool user_exists(pqxx::transaction_base& tx, id64 user_id) {
  return !tx.exec_prepared("user_exists", user_id).empty();
}

void create_device(pqxx::transaction_base& tx, id64 device_id, id64 user_id,
                   const std::string& name) {
  tx.exec_prepared("create_device", device_id, user_id, name, unix_now_ms());
}

bool device_belongs_to(pqxx::transaction_base& tx, id64 device_id, id64 user_id) {
  return !tx.exec_prepared("device_of_user", device_id, user_id).empty();
}

void store_token(pqxx::transaction_base& tx, const std::string& digest,
                 id64 device_id, id64 user_id) {
  tx.exec_prepared("store_token", digest, device_id, user_id, unix_now_ms());
}

std::optional<token_owner> token_owner_of(pqxx::transaction_base& tx,
                                          const std::string& digest, std::int64_t valid_after,
                                          std::int64_t renew_before) {
  auto r = tx.exec_prepared("authenticate", digest, valid_after, unix_now_ms(), renew_before);
  if (r.empty())
    return std::nullopt;
  return token_owner{r[0][0].as<id64>(), r[0][1].as<id64>()};
}

std::optional<id64> revoke_token(pqxx::transaction_base& tx, const std::string& digest) {
  auto r = tx.exec_prepared("revoke_token", digest, unix_now_ms());
  if (r.empty())
    return std::nullopt;
  return r[0][0].as<id64>();
}

std::vector<device_row> live_devices(pqxx::transaction_base& tx, id64 user_id,
                                     std::int64_t valid_after) {
  std::vector<device_row> out;
  for (auto row : tx.exec_prepared("live_devices", user_id, valid_after))
    out.push_back({row[0].as<id64>(), row[1].as<std::string>(), row[2].as<std::int64_t>(),
                   row[3].as<std::int64_t>()});
  return out;
}

bool remove_device(pqxx::transaction_base& tx, id64 user_id, id64 device_id) {
  auto now = unix_now_ms();
  if (tx.exec_prepared("remove_device", device_id, user_id, now).empty())
    return false;
  tx.exec_prepared("revoke_device_tokens", device_id, now);
  return true;
}

std::optional<user_credentials> credentials_of(pqxx::transaction_base& tx, id64 user_id) {
  auto r = tx.exec_prepared("password_of", user_id);
  if (r.empty())
    return std::nullopt;
  return user_credentials{user_id, r[0][0].as<std::string>()};
}

std::vector<id64> set_password(pqxx::transaction_base& tx, id64 user_id, id64 keep_device,
                               const std::string& password_hash) {
  tx.exec_prepared("set_password", user_id, password_hash);
  std::vector<id64> out;
  for (auto row : tx.exec_prepared("revoke_other_tokens", user_id, keep_device, unix_now_ms()))
    out.push_back(row[0].as<id64>());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void set_push_token(pqxx::transaction_base& tx, id64 device_id, const std::string& token) {
  tx.exec_prepared("set_push_token", device_id, token);
}

std::vector<std::string> push_tokens(pqxx::transaction_base& tx, id64 user_id) {
  std::vector<std::string> out;
  for (auto row : tx.exec_prepared("push_tokens", user_id))
    out.push_back(row[0].as<std::string>());
  return out;
}

std::vector<std::pair<id64, std::string>> logged_in_devices(pqxx::transaction_base& tx,
                                                            id64 user_id) {
  std::vector<std::pair<id64, std::string>> out;
  for (auto row : tx.exec_prepared("logged_in_devices", user_id))
    out.emplace_back(row[0].as<id64>(), row[1].as<std::string>());
  return out;
}

id64 max_id(pqxx::transaction_base& tx) {
  return tx.exec_prepared("max_id")[0][0].as<id64>();
}

} // namespace parley::storage
