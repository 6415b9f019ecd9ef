#pragma once
// Conversations, messages and receipt cursors. Every function runs inside
// the caller's transaction; none commits.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wire/stored_message.hpp"
#include "wire/envelopes.hpp"
#include "wire/ids.hpp"
#include "wire/records.hpp"

#include <pqxx/types.hxx>

namespace parley::storage {

using wire::conversation_summary;

using wire::stored_message;

struct member_cursor {
  id64 user_id;
  std::int64_t delivered_seq;
  std::int64_t read_seq;
  bool admin;
  std::int64_t joined_seq;
  bool took_part; // has sent a message here
};

// The seqs a member may read: from their join to their leave (inclusive).
struct seq_range {
  std::int64_t first;
  std::int64_t last;
};

struct recent_message {
  std::int64_t seq;
  id64 sender;
};

struct conversation_state {
  std::string kind;
  std::string title;
  std::vector<recent_message> recent; // groups: the latest senders, oldest first
  std::vector<id64> blockers;         // 1:1: members who block the other
  std::vector<member_cursor> members;
  std::int64_t last_seq;
  std::int64_t last_ts; // when last_seq was stamped (0: no message)
};

enum class insert_outcome { inserted, duplicate, seq_taken };

struct insert_result {
  insert_outcome outcome;
  // For `duplicate`: the message the earlier attempt with the same client
  // id stored (an inserted message is the one the caller has).
  stored_message earlier;
};

// Finds or creates the 1:1 conversation of two users (or of one user with
// themself). Safe against two creators racing: one pair, one conversation.
id64 direct_conversation(pqxx::transaction_base& tx, id64 a, id64 b, id64 new_id);
// The 1:1 conversation of two users, if they have one.
std::optional<id64> find_direct_conversation(pqxx::transaction_base& tx, id64 a, id64 b);

// `recent` senders are read for groups only (up to `recent_limit`).
std::optional<conversation_state> load_conversation(pqxx::transaction_base& tx,
                                                    id64 conversation, int recent_limit);
enum class conversation_access { no_such_conversation, not_a_member, member };

// What `user` may do in `conversation` before any actor is spawned for it.
conversation_access access_to(pqxx::transaction_base& tx, id64 conversation, id64 user);

// The range a current or former member may read; nullopt for strangers.
std::optional<seq_range> membership(pqxx::transaction_base& tx, id64 conversation,
                                   id64 user);

// Idempotent on (sender_device, client_id); refereed on (conversation, seq).
// `withheld`: never shown to the other members (a 1:1 recipient who
// blocked the sender).
// Each user of `users` sent their first message in the conversation at the
// same place of `conversations` (see the "took_part" statement): who counts
// as a contact for last-seen privacy. One round trip for all of them.
void mark_took_part(pqxx::transaction_base& tx, const std::vector<id64>& conversations,
                    const std::vector<id64>& users);

// The message `device` sent with `client_id`, if any.
std::optional<stored_message> message_by_client_id(pqxx::transaction_base& tx, id64 device,
                                                   const std::string& client_id);

// With one envelope row per device that has a non-empty one.
insert_result insert_message(pqxx::transaction_base& tx, const stored_message& m,
                             const std::string& client_id, bool withheld = false,
                             const wire::shared_envelopes& envelopes = {});

struct message_to_insert {
  const stored_message* msg;
  const std::string* client_id;
  bool withheld;
  bool first_from_sender = false; // also mark that the sender took part
  const wire::shared_envelopes* envelopes = nullptr;
};

// How a batch goes in. `checked`: INSERT ... ON CONFLICT DO NOTHING, whose
// arbiter check probes every unique index for every row before inserting
// it, a second pass over the indexes for every row. `optimistic`: a
// plain INSERT first, which meets each unique index once, while inserting;
// only if that fails (a retried client id, a seq another owner took: rare)
// does the batch go again, checked. Optimistic needs a statement that is
// its own transaction: a failed statement would abort an enclosing one.
enum class insert_mode { checked, optimistic };

// The same for a whole batch, in one statement (one round trip to
// PostgreSQL instead of one per message); results in the batch's order.
std::vector<insert_result> insert_messages(pqxx::transaction_base& tx,
                                           const std::vector<message_to_insert>& batch,
                                           insert_mode mode = insert_mode::checked);

// Newest first, seq < before.
// What `reader` may see of a conversation: within `visible`, without the
// messages withheld from them, with `device`'s envelopes.
std::vector<stored_message> history(pqxx::transaction_base& tx, id64 conversation,
                                    id64 reader, id64 device, seq_range visible,
                                    std::int64_t before, int limit);
// Oldest first, seq > after.
std::vector<stored_message> messages_after(pqxx::transaction_base& tx,
                                           id64 conversation, id64 reader, id64 device,
                                           seq_range visible, std::int64_t after,
                                           int limit);
// Oldest first per conversation: what `device` has not confirmed as delivered.
std::vector<stored_message> undelivered(pqxx::transaction_base& tx, id64 user,
                                        id64 device, int limit);

// What a live device of `user` may have lost (actors/live_order.hpp), oldest
// first, never what `device` sent itself: a gap of one conversation
// (after < seq < before, stamped at or after min_ts) ...
std::vector<stored_message> live_gap(pqxx::transaction_base& tx, id64 conversation,
                                     id64 user, id64 device, std::int64_t after,
                                     std::int64_t before, std::int64_t min_ts, int limit);
// ... or, after a fault, what came after `after` in `conversations` and
// since `since_ms` in the user's others (at most `per_conversation` each),
// by conversation.
std::vector<stored_message> live_recovery(pqxx::transaction_base& tx, id64 user, id64 device,
                                          const std::vector<id64>& conversations,
                                          const std::vector<std::int64_t>& after,
                                          std::int64_t since_ms, int per_conversation,
                                          int limit);

// Moves the device's and the user's cursors forward (never back).
void advance_cursors(pqxx::transaction_base& tx, id64 conversation, id64 user,
                     id64 device, bool read, std::int64_t up_to);

std::vector<conversation_summary> list_conversations(pqxx::transaction_base& tx,
                                                     id64 user);

} // namespace parley::storage
