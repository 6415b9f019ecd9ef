#include "storage/presence_repo.hpp"

#include <pqxx/pqxx>

#include "storage/blocks_repo.hpp"
#include "storage/pg_array.hpp"

namespace parley::storage {

std::optional<presence_row> load_presence(pqxx::transaction_base& tx, id64 user) {
  auto r = tx.exec_prepared("presence_load", user);
  if (r.empty())
    return std::nullopt;
  presence_row out{r[0][0].as<std::int64_t>(), r[0][1].as<std::string>(), {}};
  for (auto& b : blocked_by(tx, user))
    out.blocked.push_back(b.user_id);
  return out;
}

void store_last_seen(pqxx::transaction_base& tx, id64 user, std::int64_t ts) {
  tx.exec_prepared("store_last_seen", user, ts);
}

bool set_privacy(pqxx::transaction_base& tx, id64 user, const std::string& privacy) {
  return tx.exec_prepared("set_privacy", user, privacy).affected_rows() > 0;
}

std::vector<presence_target_row> presence_targets(pqxx::transaction_base& tx,
                                                  id64 viewer,
                                                  const std::vector<id64>& targets) {
  std::vector<presence_target_row> out;
  for (const auto& row : tx.exec_prepared("presence_targets", viewer, id_array(targets)))
    out.push_back({row[0].as<id64>(), row[1].as<bool>()});
  return out;
}

} // namespace parley::storage
