// The store's queries on uploads and their collection.
#include <pqxx/pqxx>

#include <algorithm>
#include <limits>

#include "storage/accounts_repo.hpp"
#include "storage/blocks_repo.hpp"
#include "storage/groups_repo.hpp"
#include "storage/media_repo.hpp"
#include "storage/messages_repo.hpp"
#include "storage/presence_repo.hpp"
#include "wire/credentials.hpp"
#include "actors/store_queries.hpp"

namespace parley {

caf::result<std::int64_t> store_queries::media_usage(id64 user) {
  return conn_.run<pqxx::read_transaction>(
    [&](auto& tx) { return storage::media_usage(tx, user); });
}

// Records an upload if it fits its owner's quota, checked and recorded in
// one transaction that holds the owner's row: two uploads committing at
// once (on any nodes) are checked one after the other.
caf::result<bool> store_queries::media_put(const media_info& m) {
  auto fits = conn_.run([&](pqxx::work& tx) {
    storage::lock_user(tx, m.owner);
    if (storage::media_usage(tx, m.owner) + m.size > ctx_->media_quota_bytes)
      return false;
    storage::insert_media(tx, {m.media_id, m.owner, m.size, m.sha256, m.content_type});
    return true;
  });
  if (!fits)
    return fits.error();
  if (!*fits)
    return make_error(errc::quota_exceeded);
  return true;
}

caf::result<bool> store_queries::media_delete(const std::string& media_id) {
  return conn_.run([&](pqxx::work& tx) {
    storage::delete_media(tx, media_id);
    return true;
  });
}

caf::result<media_info> store_queries::media_get(const std::string& media_id) {
  auto row = conn_.find(errc::no_such_media,
                  [&](auto& tx) { return storage::find_media(tx, media_id); });
  if (!row)
    return row.error();
  auto& m = *row;
  return media_info{m.media_id, m.owner, m.size, m.sha256, m.content_type};
}

// Uploads no message references, older than `before_ms`: deleted, and
// returned so that the collector can remove their content.
caf::result<std::vector<media_info>> store_queries::collect_media(std::int64_t before_ms,
                                                   std::int32_t limit) {
  auto rows =
    conn_.run([&](pqxx::work& tx) { return storage::collect_media(tx, before_ms, limit); });
  if (!rows)
    return rows.error();
  std::vector<media_info> out;
  for (auto& r : *rows)
    out.push_back({r.media_id, 0, r.size, r.sha256, {}});
  return out;
}

caf::result<bool> store_queries::blob_in_use(const std::string& sha256) {
  return conn_.run<pqxx::read_transaction>(
    [&](auto& tx) { return storage::blob_in_use(tx, sha256); });
}

} // namespace parley
