#include "storage/messages_repo.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <limits>
#include <unordered_set>

#include "storage/blocks_repo.hpp"
#include "storage/pg_array.hpp"

namespace parley::storage {

namespace {

// A body is NULL when the send carried envelopes only.
void read_body(const pqxx::field& body, stored_message& m) {
  m.has_body = !body.is_null();
  if (m.has_body)
    m.body = wire::shared_text{body.as<std::string>()};
}

// Rows of msg_id, conversation, seq, sender, device, ts, body, system and
// the reading device's envelope.
std::vector<stored_message> to_messages(const pqxx::result& r) {
  std::vector<stored_message> out;
  out.reserve(r.size());
  for (const auto& row : r) {
    stored_message m{row[0].as<id64>(), row[1].as<id64>(),     row[2].as<std::int64_t>(),
                     row[3].as<id64>(), row[4].as<id64>(),     row[5].as<std::int64_t>(),
                     {},                row[7].as<bool>()};
    read_body(row[6], m);
    if (!row[8].is_null())
      m.envelope = wire::shared_text{row[8].as<std::string>()};
    out.push_back(std::move(m));
  }
  return out;
}

std::optional<id64> find_direct(pqxx::transaction_base& tx, id64 lo, id64 hi) {
  auto r = tx.exec_prepared("find_direct", lo, hi);
  if (r.empty())
    return std::nullopt;
  return r[0][0].as<id64>();
}

} // namespace

std::optional<id64> find_direct_conversation(pqxx::transaction_base& tx, id64 a, id64 b) {
  return find_direct(tx, std::min(a, b), std::max(a, b));
}

id64 direct_conversation(pqxx::transaction_base& tx, id64 a, id64 b, id64 new_id) {
  auto lo = std::min(a, b);
  auto hi = std::max(a, b);
  if (auto existing = find_direct(tx, lo, hi))
    return *existing;
  tx.exec_prepared("create_conversation", new_id, "direct", unix_now_ms());
  auto created = tx.exec_prepared("create_direct", lo, hi, new_id);
  if (created.empty()) {
    // Another node created the pair after our lookup. The caller's
    // transaction must be rolled back (it holds an orphan conversation row):
    // signal that, and the caller retries and finds the winner.
    throw pqxx::unique_violation("direct conversation created concurrently");
  }
  tx.exec_prepared("add_member", new_id, lo);
  if (hi != lo)
    tx.exec_prepared("add_member", new_id, hi);
  return new_id;
}

std::optional<conversation_state> load_conversation(pqxx::transaction_base& tx,
                                                    id64 conversation, int recent_limit) {
  auto meta = tx.exec_prepared("conversation_meta", conversation);
  if (meta.empty())
    return std::nullopt;
  conversation_state state;
  state.kind = meta[0][0].as<std::string>();
  state.title = meta[0][1].as<std::string>();
  for (const auto& row : tx.exec_prepared("conversation_members", conversation))
    state.members.push_back({row[0].as<id64>(), row[1].as<std::int64_t>(),
                             row[2].as<std::int64_t>(), row[3].as<bool>(),
                             row[4].as<std::int64_t>(), row[5].as<bool>()});
  auto last = tx.exec_prepared("last_message", conversation);
  state.last_seq = last.empty() ? 0 : last[0][0].as<std::int64_t>();
  state.last_ts = last.empty() ? 0 : last[0][1].as<std::int64_t>();
  if (state.kind == "group") {
    for (const auto& row : tx.exec_prepared("recent_senders", conversation, recent_limit))
      state.recent.push_back({row[0].as<std::int64_t>(), row[1].as<id64>()});
    std::reverse(state.recent.begin(), state.recent.end());
  } else if (state.members.size() == 2) {
    state.blockers = blockers_among(tx, {state.members[0].user_id, state.members[1].user_id});
  }
  return state;
}

conversation_access access_to(pqxx::transaction_base& tx, id64 conversation, id64 user) {
  auto r = tx.exec_prepared("may_use_conversation", conversation, user);
  if (!r[0][0].as<bool>())
    return conversation_access::no_such_conversation;
  return r[0][1].as<bool>() ? conversation_access::member : conversation_access::not_a_member;
}

std::optional<seq_range> membership(pqxx::transaction_base& tx, id64 conversation,
                                   id64 user) {
  auto r = tx.exec_prepared("membership", conversation, user);
  if (r.empty())
    return std::nullopt;
  return seq_range{r[0][0].as<std::int64_t>(),
                   r[0][1].as<std::int64_t>(std::numeric_limits<std::int64_t>::max())};
}

namespace {

// Nothing inserted: either this client id was used before (an idempotent
// retry) or another owner of the conversation took this seq.
insert_result not_inserted(pqxx::transaction_base& tx, const stored_message& m,
                           const std::string& client_id) {
  auto earlier = message_by_client_id(tx, m.from_device, client_id);
  if (!earlier)
    return {insert_outcome::seq_taken, {}};
  return {insert_outcome::duplicate, std::move(*earlier)};
}

} // namespace

std::optional<stored_message> message_by_client_id(pqxx::transaction_base& tx, id64 device,
                                                   const std::string& client_id) {
  auto r = tx.exec_prepared("message_by_client_id", device, client_id);
  if (r.empty())
    return std::nullopt;
  auto& row = r[0];
  stored_message m{row[0].as<id64>(), row[1].as<id64>(), row[2].as<std::int64_t>(),
                   row[6].as<id64>(), device,            row[3].as<std::int64_t>(),
                   {},                row[5].as<bool>()};
  read_body(row[4], m);
  return m;
}

void mark_took_part(pqxx::transaction_base& tx, const std::vector<id64>& conversations,
                    const std::vector<id64>& users) {
  if (conversations.empty())
    return;
  int_array convs, who;
  for (std::size_t i = 0; i < conversations.size(); ++i) {
    convs.add(conversations[i]);
    who.add(users[i]);
  }
  tx.exec_prepared("took_part", convs.literal(), who.literal());
}

namespace {

// Envelopes as unnest() columns; empty ones (the device reads the shared
// body) are not kept.
struct envelope_columns {
  void add(id64 msg, const wire::shared_envelopes& envelopes) {
    for (auto& [device, text] : envelopes.get())
      if (!text.empty()) {
        this->device.add(device);
        this->msg.add(msg);
        this->text.add(text);
        any = true;
      }
  }
  int_array device, msg;
  text_array text;
  bool any = false;
};

} // namespace

insert_result insert_message(pqxx::transaction_base& tx, const stored_message& m,
                             const std::string& client_id, bool withheld,
                             const wire::shared_envelopes& envelopes) {
  auto body = m.has_body ? std::optional<std::string>{m.body.str()} : std::nullopt;
  auto r = tx.exec_prepared("insert_message", m.msg_id, m.conversation, m.seq, m.from,
                            m.from_device, client_id, m.ts, body, m.system, withheld);
  if (r.empty())
    return not_inserted(tx, m, client_id);
  envelope_columns env;
  env.add(m.msg_id, envelopes);
  if (env.any)
    tx.exec_prepared("insert_envelopes", env.device.literal(), env.msg.literal(),
                     env.text.literal());
  return {insert_outcome::inserted, {}};
}

namespace {

// The batch's columns as PostgreSQL array literals, for unnest().
struct batch_columns {
  explicit batch_columns(const std::vector<message_to_insert>& batch);
  pqxx::result exec(pqxx::transaction_base& tx, const char* statement) {
    return tx.exec_prepared(statement, msg_id.literal(), conversation.literal(),
                            seq.literal(), sender.literal(), device.literal(),
                            client_id.literal(), ts.literal(), body.literal(),
                            system.literal(), withheld.literal(), envelopes.device.literal(),
                            envelopes.msg.literal(), envelopes.text.literal());
  }
  pqxx::result exec_marking(pqxx::transaction_base& tx) {
    return tx.exec_prepared("insert_new_messages_marking", msg_id.literal(),
                            conversation.literal(), seq.literal(), sender.literal(),
                            device.literal(), client_id.literal(), ts.literal(),
                            body.literal(), system.literal(), withheld.literal(),
                            first_conversation.literal(), first_sender.literal(),
                            envelopes.device.literal(), envelopes.msg.literal(),
                            envelopes.text.literal());
  }
  int_array msg_id, conversation, seq, sender, device, ts, system, withheld;
  text_array client_id, body;
  envelope_columns envelopes;
  int_array first_conversation, first_sender; // rows that are a sender's first
  bool any_first = false;
};

batch_columns::batch_columns(const std::vector<message_to_insert>& batch) {
  for (auto& b : batch) {
    auto& m = *b.msg;
    msg_id.add(m.msg_id);
    conversation.add(m.conversation);
    seq.add(m.seq);
    sender.add(m.from);
    device.add(m.from_device);
    client_id.add(*b.client_id);
    ts.add(m.ts);
    if (m.has_body)
      body.add(m.body.str());
    else
      body.add_null();
    if (b.envelopes)
      envelopes.add(m.msg_id, *b.envelopes);
    system.add(m.system);
    withheld.add(b.withheld);
    if (b.first_from_sender) {
      first_conversation.add(m.conversation);
      first_sender.add(m.from);
      any_first = true;
    }
  }
}

} // namespace

std::vector<insert_result> insert_messages(pqxx::transaction_base& tx,
                                           const std::vector<message_to_insert>& batch,
                                           insert_mode mode) {
  batch_columns columns{batch};
  if (mode == insert_mode::optimistic) {
    try {
      if (columns.any_first)
        columns.exec_marking(tx);
      else
        columns.exec(tx, "insert_new_messages");
      return std::vector<insert_result>(batch.size(), {insert_outcome::inserted, {}});
    } catch (const pqxx::unique_violation&) {
      // Nothing of the statement stayed: sort the batch out row by row.
    }
  }
  auto r = columns.exec(tx, "insert_messages");
  std::unordered_set<id64> inserted;
  for (const auto& row : r)
    inserted.insert(row[0].as<id64>());
  std::vector<insert_result> out;
  out.reserve(batch.size());
  std::vector<id64> first_convs, first_senders;
  for (auto& b : batch) {
    out.push_back(inserted.count(b.msg->msg_id)
                    ? insert_result{insert_outcome::inserted, {}}
                    : not_inserted(tx, *b.msg, *b.client_id));
    if (b.first_from_sender && out.back().outcome != insert_outcome::seq_taken) {
      first_convs.push_back(b.msg->conversation);
      first_senders.push_back(b.msg->from);
    }
  }
  mark_took_part(tx, first_convs, first_senders);
  return out;
}

std::vector<stored_message> history(pqxx::transaction_base& tx, id64 conversation,
                                    id64 reader, id64 device, seq_range visible,
                                    std::int64_t before, int limit) {
  return to_messages(tx.exec_prepared("history", conversation, before, limit,
                                      visible.first, visible.last, reader, device));
}

std::vector<stored_message> messages_after(pqxx::transaction_base& tx,
                                           id64 conversation, id64 reader, id64 device,
                                           seq_range visible, std::int64_t after,
                                           int limit) {
  return to_messages(tx.exec_prepared("messages_after", conversation, after, limit,
                                      visible.first, visible.last, reader, device));
}

std::vector<stored_message> undelivered(pqxx::transaction_base& tx, id64 user,
                                        id64 device, int limit) {
  return to_messages(tx.exec_prepared("undelivered", user, device, limit));
}

std::vector<stored_message> live_gap(pqxx::transaction_base& tx, id64 conversation,
                                     id64 user, id64 device, std::int64_t after,
                                     std::int64_t before, std::int64_t min_ts, int limit) {
  return to_messages(tx.exec_prepared("live_gap", conversation, user, after, before, min_ts,
                                      device, limit));
}

std::vector<stored_message> live_recovery(pqxx::transaction_base& tx, id64 user, id64 device,
                                          const std::vector<id64>& conversations,
                                          const std::vector<std::int64_t>& after,
                                          std::int64_t since_ms, int per_conversation,
                                          int limit) {
  int_array convs, seqs;
  for (auto c : conversations)
    convs.add(static_cast<std::int64_t>(c));
  for (auto a : after)
    seqs.add(a);
  return to_messages(tx.exec_prepared("live_recovery", user, device, convs.literal(),
                                      seqs.literal(), since_ms, per_conversation, limit));
}

void advance_cursors(pqxx::transaction_base& tx, id64 conversation, id64 user,
                     id64 device, bool read, std::int64_t up_to) {
  auto read_seq = read ? up_to : 0;
  tx.exec_prepared("advance_device_cursor", device, conversation, up_to, read_seq);
  tx.exec_prepared("advance_member_cursor", conversation, user, up_to, read_seq);
}

std::vector<conversation_summary> list_conversations(pqxx::transaction_base& tx,
                                                     id64 user) {
  std::vector<conversation_summary> out;
  for (const auto& row : tx.exec_prepared("list_conversations", user)) {
    conversation_summary s;
    s.conversation_id = row[0].as<id64>();
    s.kind = row[1].as<std::string>();
    s.last_seq = row[3].as<std::int64_t>();
    s.unread = row[4].as<std::int64_t>();
    if (!row[5].is_null()) {
      s.peer_id = row[5].as<id64>();
      s.peer_name = row[6].as<std::string>();
      s.peer_delivered = row[7].as<std::int64_t>(0);
      s.peer_read = row[8].as<std::int64_t>(0);
    }
    auto ids = row[9].as<std::string>("");
    for (std::size_t pos = 0; pos < ids.size();) {
      auto comma = std::min(ids.find(',', pos), ids.size());
      s.members.push_back(std::stoll(ids.substr(pos, comma - pos)));
      pos = comma + 1;
    }
    s.title = row[10].as<std::string>("");
    out.push_back(std::move(s));
  }
  return out;
}

} // namespace parley::storage
