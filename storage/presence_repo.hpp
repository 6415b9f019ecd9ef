#pragma once
// Last seen and its privacy setting. Every function runs inside the
// caller's transaction; none commits.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wire/ids.hpp"

#include <pqxx/types.hxx>

namespace parley::storage {

struct presence_row {
  std::int64_t last_seen; // 0: never seen
  std::string privacy;    // everyone, contacts or nobody
  std::vector<id64> blocked; // whom this user blocks
};

std::optional<presence_row> load_presence(pqxx::transaction_base& tx, id64 user);
// Never moves last seen back.
void store_last_seen(pqxx::transaction_base& tx, id64 user, std::int64_t ts);
// False if there is no such user.
bool set_privacy(pqxx::transaction_base& tx, id64 user, const std::string& privacy);

struct presence_target_row {
  id64 user;
  bool contact; // shares a conversation with the viewer
};

// The users of `targets` that exist, each with whether they are a contact
// of `viewer`.
std::vector<presence_target_row> presence_targets(pqxx::transaction_base& tx,
                                                  id64 viewer,
                                                  const std::vector<id64>& targets);

} // namespace parley::storage
