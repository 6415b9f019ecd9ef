#include "storage/media_repo.hpp"

#include <pqxx/pqxx>

namespace parley::storage {

void insert_media(pqxx::transaction_base& tx, const media_row& m) {
  tx.exec_prepared("insert_media", m.media_id, m.owner, m.size, m.sha256,
                   m.content_type, unix_now_ms());
}

void delete_media(pqxx::transaction_base& tx, const std::string& media_id) {
  tx.exec_prepared("delete_media", media_id);
}

void lock_user(pqxx::transaction_base& tx, id64 user) {
  tx.exec_prepared("lock_user", user);
}

std::int64_t media_usage(pqxx::transaction_base& tx, id64 owner) {
  return tx.exec_prepared("media_usage", owner)[0][0].as<std::int64_t>();
}

std::optional<media_row> find_media(pqxx::transaction_base& tx,
                                    const std::string& media_id) {
  auto r = tx.exec_prepared("find_media", media_id);
  if (r.empty())
    return std::nullopt;
  return media_row{media_id, 0, r[0][0].as<std::int64_t>(), r[0][1].as<std::string>(),
                   r[0][2].as<std::string>()};
}

void reference_media(pqxx::transaction_base& tx, const std::vector<std::string>& media_ids,
                     id64 conversation, std::int64_t seq) {
  for (auto& id : media_ids)
    tx.exec_prepared("reference_media", id, conversation, seq);
}

std::vector<collected_media> collect_media(pqxx::transaction_base& tx,
                                           std::int64_t before_ms, int limit) {
  std::vector<collected_media> out;
  for (auto row : tx.exec_prepared("collect_media", before_ms, limit))
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>(),
                   row[2].as<std::int64_t>()});
  return out;
}

bool blob_in_use(pqxx::transaction_base& tx, const std::string& sha256) {
  return !tx.exec_prepared("blob_in_use", sha256).empty();
}

} // namespace parley::storage
