#pragma once
// Groups: creation, membership changes and per-member receipts. Every
// function runs inside the caller's transaction; none commits.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wire/stored_message.hpp"
#include "wire/ids.hpp"
#include "wire/records.hpp"

#include <pqxx/types.hxx>

namespace parley::storage {

using wire::group_member;
using wire::conversation_details;

// The users of `ids` that do not exist.
std::vector<id64> missing_users(pqxx::transaction_base& tx, const std::vector<id64>& ids);

// Creates the group with `creator` as its admin and `members` as members,
// all joined at seq 1, which is `created` (a system message).
// Groups `creator` made at or after `since` (unix ms).
std::int64_t groups_created_since(pqxx::transaction_base& tx, id64 creator, std::int64_t since);

void create_group(pqxx::transaction_base& tx, id64 conversation, id64 creator,
                  const std::string& title, const std::vector<id64>& members,
                  const wire::stored_message& created);

// Membership as of `seq` (the system message that records the change).
void join_group(pqxx::transaction_base& tx, id64 conversation, id64 user,
                bool admin, std::int64_t seq);
void leave_group(pqxx::transaction_base& tx, id64 conversation, id64 user,
                 std::int64_t seq);
void make_admin(pqxx::transaction_base& tx, id64 conversation, id64 user);

std::optional<conversation_details> conversation_details_of(pqxx::transaction_base& tx,
                                                            id64 conversation);

struct member_receipt {
  id64 user_id;
  bool delivered;
  bool read;
};

// The sender of message `seq`, if it exists.
std::optional<id64> message_sender(pqxx::transaction_base& tx, id64 conversation,
                                   std::int64_t seq);
// For every current member who could see message `seq`, except its sender.
std::vector<member_receipt> message_receipts(pqxx::transaction_base& tx,
                                             id64 conversation, std::int64_t seq,
                                             id64 sender);

} // namespace parley::storage
