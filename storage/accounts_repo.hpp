#pragma once
// Users, devices and tokens. Every function runs inside the caller's
// transaction; none commits.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wire/ids.hpp"
#include "wire/records.hpp"

#include <pqxx/types.hxx>

namespace parley::storage {

using wire::user_ref;

struct user_credentials {
  id64 user_id;
  std::string password_hash;
};

struct token_owner {
  id64 user_id;
  id64 device_id;
};

using wire::device_row;

// False when the username is taken.
bool create_user(pqxx::transaction_base& tx, id64 user_id,
                 const std::string& username, const std::string& password_hash);
std::optional<user_credentials> find_credentials(pqxx::transaction_base& tx,
                                                 const std::string& username);
std::optional<user_ref> find_user(pqxx::transaction_base& tx,
                                  const std::string& username);
bool user_exists(pqxx::transaction_base& tx, id64 user_id);

void create_device(pqxx::transaction_base& tx, id64 device_id, id64 user_id,
                   const std::string& name);
bool device_belongs_to(pqxx::transaction_base& tx, id64 device_id, id64 user_id);

void store_token(pqxx::transaction_base& tx, const std::string& digest,
                 id64 device_id, id64 user_id);
// The owner of a live token: revoked ones never, and ones unused since
// `valid_after` (unix ms) neither; a use renews the token if it was last
// used before `renew_before`.
std::optional<token_owner> token_owner_of(pqxx::transaction_base& tx,
                                          const std::string& digest, std::int64_t valid_after,
                                          std::int64_t renew_before);
// False when the token was unknown or already revoked.
// The device of the token, if it was live.
std::optional<id64> revoke_token(pqxx::transaction_base& tx, const std::string& digest);

// The devices of `user_id` that are signed in: a token used after
// `valid_after` (unix ms), not revoked.
std::vector<device_row> live_devices(pqxx::transaction_base& tx, id64 user_id,
                                     std::int64_t valid_after);

// Removes the device for good and revokes its tokens; false if it is not
// one of the user's (or already removed).
bool remove_device(pqxx::transaction_base& tx, id64 user_id, id64 device_id);

std::optional<user_credentials> credentials_of(pqxx::transaction_base& tx, id64 user_id);

// Sets the password and revokes every token of the user except those of
// `keep_device`; returns the devices that were signed out.
std::vector<id64> set_password(pqxx::transaction_base& tx, id64 user_id, id64 keep_device,
                               const std::string& password_hash);

// A device's push token (empty: none); the tokens of a user's devices
// that are still logged in.
void set_push_token(pqxx::transaction_base& tx, id64 device_id, const std::string& token);
std::vector<std::string> push_tokens(pqxx::transaction_base& tx, id64 user_id);

// The user's logged-in devices and their push tokens ("" for none).
std::vector<std::pair<id64, std::string>> logged_in_devices(pqxx::transaction_base& tx,
                                                            id64 user_id);

// The highest id in the database, so that a restarted node never reissues one.
id64 max_id(pqxx::transaction_base& tx);

} // namespace parley::storage
