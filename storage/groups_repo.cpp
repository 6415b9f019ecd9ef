#include "storage/groups_repo.hpp"

#include <pqxx/pqxx>

#include <algorithm>

#include "storage/messages_repo.hpp"
#include "storage/pg_array.hpp"

namespace parley::storage {

std::vector<id64> missing_users(pqxx::transaction_base& tx, const std::vector<id64>& ids) {
  std::vector<id64> found;
  for (const auto& row : tx.exec_prepared("existing_users", id_array(ids)))
    found.push_back(row[0].as<id64>());
  std::vector<id64> missing;
  for (auto id : ids)
    if (std::find(found.begin(), found.end(), id) == found.end())
      missing.push_back(id);
  return missing;
}

std::int64_t groups_created_since(pqxx::transaction_base& tx, id64 creator, std::int64_t since) {
  return tx.exec_prepared("groups_created_since", creator, since)[0][0].as<std::int64_t>();
}

void create_group(pqxx::transaction_base& tx, id64 conversation, id64 creator,
                  const std::string& title, const std::vector<id64>& members,
                  const wire::stored_message& created) {
  tx.exec_prepared("create_group", conversation, title, creator, created.ts);
  join_group(tx, conversation, creator, true, created.seq);
  for (auto user : members)
    join_group(tx, conversation, user, false, created.seq);
  auto r = insert_message(tx, created, "sys:" + std::to_string(created.msg_id));
  if (r.outcome != insert_outcome::inserted)
    throw pqxx::unique_violation("group creation message collided");
}

void join_group(pqxx::transaction_base& tx, id64 conversation, id64 user, bool admin,
                std::int64_t seq) {
  tx.exec_prepared("join_group", conversation, user, admin, seq);
}

void leave_group(pqxx::transaction_base& tx, id64 conversation, id64 user,
                 std::int64_t seq) {
  tx.exec_prepared("leave_group", conversation, user, seq);
}

void make_admin(pqxx::transaction_base& tx, id64 conversation, id64 user) {
  tx.exec_prepared("make_admin", conversation, user);
}

std::optional<conversation_details> conversation_details_of(pqxx::transaction_base& tx,
                                                            id64 conversation) {
  auto r = tx.exec_prepared("conversation_details", conversation);
  if (r.empty())
    return std::nullopt;
  conversation_details d;
  d.kind = r[0][0].as<std::string>();
  d.title = r[0][1].as<std::string>();
  d.created_by = r[0][2].as<id64>();
  d.created_at = r[0][3].as<std::int64_t>();
  d.last_seq = r[0][4].as<std::int64_t>();
  for (const auto& row : tx.exec_prepared("conversation_members", conversation))
    d.members.push_back({row[0].as<id64>(), row[3].as<bool>(), row[4].as<std::int64_t>()});
  return d;
}

std::optional<id64> message_sender(pqxx::transaction_base& tx, id64 conversation,
                                   std::int64_t seq) {
  auto r = tx.exec_prepared("message_sender", conversation, seq);
  if (r.empty())
    return std::nullopt;
  return r[0][0].as<id64>();
}

std::vector<member_receipt> message_receipts(pqxx::transaction_base& tx,
                                             id64 conversation, std::int64_t seq,
                                             id64 sender) {
  std::vector<member_receipt> out;
  for (const auto& row : tx.exec_prepared("message_receipts", conversation, seq, sender))
    out.push_back({row[0].as<id64>(), row[1].as<bool>(), row[2].as<bool>()});
  return out;
}

} // namespace parley::storage
