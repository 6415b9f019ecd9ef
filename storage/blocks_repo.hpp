#pragma once
// Who blocks whom. Every function runs inside the caller's transaction;
// none commits.
#include <cstdint>
#include <string>
#include <vector>

#include "wire/ids.hpp"
#include "wire/records.hpp"

#include <pqxx/types.hxx>

namespace parley::storage {

using wire::block_row;

void block(pqxx::transaction_base& tx, id64 blocker, id64 blocked);
void unblock(pqxx::transaction_base& tx, id64 blocker, id64 blocked);
std::vector<block_row> blocked_by(pqxx::transaction_base& tx, id64 blocker);
// Of `users`, those who block another of `users`.
std::vector<id64> blockers_among(pqxx::transaction_base& tx, const std::vector<id64>& users);
// Of `among`, those who block `user`.
std::vector<id64> blockers_of(pqxx::transaction_base& tx, id64 user,
                              const std::vector<id64>& among);

} // namespace parley::storage
