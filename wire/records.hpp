#pragma once
// What the store answers besides messages, as plain records: storage fills
// them from PostgreSQL, actors pass them on, and the REST layer writes them
// (wire/rest_bodies.hpp). No layer builds another's JSON.
#include <cstdint>
#include <string>
#include <vector>

#include "wire/ids.hpp"
#include "wire/stored_message.hpp"

namespace parley::wire {

// A user found by name.
struct user_ref {
  id64 user_id = 0;
  std::string username;
};

// Someone a user blocks, and since when (unix ms).
struct block_row {
  id64 user_id = 0;
  std::string username;
  std::int64_t since = 0;
};

// A signed-in device of a user (GET /v1/devices).
struct device_row {
  id64 device_id = 0;
  std::string name;
  std::int64_t created_at = 0;
  std::int64_t last_seen = 0; // its token's last use, renewed at most hourly
};

struct group_member {
  id64 user_id = 0;
  bool admin = false;
  std::int64_t joined_seq = 0;
};

// A conversation as a member sees it (GET /v1/conversations/{id}).
struct conversation_details {
  id64 conversation_id = 0;
  std::string kind;
  std::string title;
  id64 created_by = 0;
  std::int64_t created_at = 0;
  std::int64_t last_seq = 0;
  std::vector<group_member> members; // current members, by join
};

// One entry of a user's conversation list.
struct conversation_summary {
  id64 conversation_id = 0;
  std::string kind;
  std::string title; // groups only
  std::int64_t last_seq = 0;
  std::int64_t unread = 0;
  id64 peer_id = 0; // 1:1 only
  std::string peer_name;
  std::int64_t peer_delivered = 0; // the peer's receipt cursors
  std::int64_t peer_read = 0;
  std::vector<id64> members;
};

// What a push notification says about a message, never its body; also
// what a live device's session needs to keep it in order.
struct push_note {
  id64 conversation = 0;
  id64 msg_id = 0;
  std::int64_t seq = 0;
  id64 from = 0;
  std::int64_t ts = 0;
  // When the conversation's previous seq was stamped: 0 for none, INT64_MAX
  // when its actor does not know (actors/live_order.hpp).
  std::int64_t prev_ts = 0;
};

constexpr std::int64_t unknown_prev_ts = INT64_MAX;

// The note of a stored message whose predecessor was stamped at `prev_ts`.
inline push_note note_of(const stored_message& m, std::int64_t prev_ts) {
  return {m.conversation, m.msg_id, m.seq, m.from, m.ts, prev_ts};
}

// Who of a message's audience has received and read it.
struct receipt_summary {
  id64 conversation_id = 0;
  std::int64_t seq = 0;
  id64 from = 0;
  std::vector<id64> delivered;
  std::vector<id64> read;
  std::vector<id64> pending;
};

} // namespace parley::wire
