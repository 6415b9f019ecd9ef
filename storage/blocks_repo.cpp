#include "storage/blocks_repo.hpp"

#include <pqxx/pqxx>

#include "storage/pg_array.hpp"

namespace parley::storage {

void block(pqxx::transaction_base& tx, id64 blocker, id64 blocked) {
  tx.exec_prepared("block", blocker, blocked, unix_now_ms());
}

void unblock(pqxx::transaction_base& tx, id64 blocker, id64 blocked) {
  tx.exec_prepared("unblock", blocker, blocked);
}

std::vector<block_row> blocked_by(pqxx::transaction_base& tx, id64 blocker) {
  std::vector<block_row> out;
  for (const auto& row : tx.exec_prepared("blocked_by", blocker))
    out.push_back({row[0].as<id64>(), row[1].as<std::string>(), row[2].as<std::int64_t>()});
  return out;
}

std::vector<id64> blockers_among(pqxx::transaction_base& tx, const std::vector<id64>& users) {
  std::vector<id64> out;
  for (const auto& row : tx.exec_prepared("blockers_among", id_array(users)))
    out.push_back(row[0].as<id64>());
  return out;
}

std::vector<id64> blockers_of(pqxx::transaction_base& tx, id64 user,
                              const std::vector<id64>& among) {
  std::vector<id64> out;
  for (const auto& row : tx.exec_prepared("blockers_of", user, id_array(among)))
    out.push_back(row[0].as<id64>());
  return out;
}

} // namespace parley::storage
