#pragma once
// The rules of a conversation's members, apart from the actor that holds
// them: who may add or remove whom, what a membership change does, who
// hears a receipt. Pure code (no messaging, no clock), unit-tested in
// tests/unit/group_rules_test.cpp.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <variant>
#include <vector>

#include "actors/conversation_messages.hpp"
#include "actors/errors.hpp"
#include "wire/ids.hpp"

namespace parley {

const member_info* find_member(const std::vector<member_info>& members, id64 user);
member_info* find_member(std::vector<member_info>& members, id64 user);
std::vector<id64> member_ids(const std::vector<member_info>& members);

// Whether `user` blocks the other member of this 1:1 conversation.
bool blocks(const conversation_info& info, id64 user);
// In a 1:1 conversation where the recipient blocks the sender, the message
// is accepted (the sender cannot tell) but withheld from the recipient.
bool withheld_from_peer(const conversation_info& info, id64 sender);

// What a membership change does once committed.
struct membership_plan {
  std::vector<id64> added;
  std::vector<id64> removed;
  std::vector<id64> new_admins; // promoted because no admin would be left
  const char* event = "added";  // "added", "removed" or "left"
};

// Checks `change` against the conversation as it is: the plan, or why it is
// refused (not_a_group, not_a_member, not_admin, already_member,
// too_many_members, no_such_member).
std::variant<membership_plan, errc> plan_change(const conversation_info& info,
                                                const membership_change& change,
                                                std::size_t max_group_size);

// The members once `record` committed: the added join at its seq, the
// removed leave, the promoted become admins.
void apply_change(std::vector<member_info>& members, const membership_record& record);

// Who sent a conversation's latest messages, up to `capacity` of them, so
// that a group receipt goes to the senders of what it covers rather than to
// every member.
class recent_senders {
public:
  explicit recent_senders(std::size_t capacity) : capacity_(capacity) {
  }

  // As read from PostgreSQL: the senders of the latest messages (parallel
  // vectors, oldest first) of a conversation whose next seq is `next_seq`.
  void reset(const std::vector<std::int64_t>& seqs, const std::vector<id64>& senders,
             std::int64_t next_seq);
  void remember(std::int64_t seq, id64 sender);

  // Who hears that `reporter`'s cursor moved from `from` to `to`: in a 1:1
  // conversation both members; in a group the reporter and the senders of
  // the messages it covers (everyone, if those are older than what is
  // remembered); only the reporter across a block.
  std::vector<id64> receipt_recipients(const conversation_info& info, id64 reporter,
                                       std::int64_t from, std::int64_t to) const;

private:
  struct entry {
    std::int64_t seq;
    id64 sender;
  };
  std::size_t capacity_;
  std::deque<entry> recent_;
  std::int64_t known_from_ = 1; // the oldest seq whose sender is known
};

} // namespace parley
