#include "storage/db.hpp"

#include <pqxx/pqxx>

#include <utility>

#include "storage/statements.hpp"

namespace parley::storage {

namespace {

// The envelope of message `m` for the reading device (E2E.md §9): one
// primary-key probe per row, NULL when it has none.
#define PARLEY_ENVELOPE_OF(m, device)                                              \
  "(SELECT e.envelope FROM envelopes e WHERE e.device_id = " device                 \
  " AND e.msg_id = " m ".msg_id)"

// Every query Parley sends, here and in storage/keys_statements.cpp.
// Nothing else builds SQL text.
constexpr statement statements[] = {
  // accounts_repo.cpp
  {"create_user",
   "INSERT INTO users (user_id, username, password_hash, created_at)"
   " VALUES ($1, $2, $3, $4) ON CONFLICT (username) DO NOTHING RETURNING user_id"},
  {"user_credentials",
   "SELECT user_id, password_hash FROM users WHERE username = $1"},
  {"user_by_name", "SELECT user_id, username FROM users WHERE username = $1"},
  {"user_exists", "SELECT 1 FROM users WHERE user_id = $1"},
  {"create_device",
   "INSERT INTO devices (device_id, user_id, name, created_at)"
   " VALUES ($1, $2, $3, $4)"},
  {"device_of_user",
   "SELECT 1 FROM devices WHERE device_id = $1 AND user_id = $2 AND removed_at IS NULL"},
  {"store_token",
   "INSERT INTO tokens (token_hash, device_id, user_id, created_at, last_used_at)"
   " VALUES ($1, $2, $3, $4, $4)"},
  // A live token ($2: the oldest last use still valid), renewed at most
  // once per renewal period ($4: renew if last used before it) so that
  // most authentications write nothing.
  {"authenticate",
   "WITH live AS (SELECT user_id, device_id FROM tokens"
   " WHERE token_hash = $1 AND revoked_at IS NULL AND last_used_at > $2),"
   " renewed AS (UPDATE tokens SET last_used_at = $3 WHERE token_hash = $1"
   " AND revoked_at IS NULL AND last_used_at > $2 AND last_used_at < $4)"
   " SELECT user_id, device_id FROM live"},
  // Signed-in devices: not removed, with a live token ($2 as above).
  {"live_devices",
   "SELECT d.device_id, d.name, d.created_at, max(t.last_used_at) FROM devices d"
   " JOIN tokens t ON t.device_id = d.device_id AND t.revoked_at IS NULL"
   " AND t.last_used_at > $2"
   " WHERE d.user_id = $1 AND d.removed_at IS NULL"
   " GROUP BY d.device_id ORDER BY d.device_id"},
  {"remove_device",
   "UPDATE devices SET removed_at = $3, push_token = NULL"
   " WHERE device_id = $1 AND user_id = $2 AND removed_at IS NULL RETURNING 1"},
  {"revoke_device_tokens",
   "UPDATE tokens SET revoked_at = $2 WHERE device_id = $1 AND revoked_at IS NULL"},
  {"password_of", "SELECT password_hash, username FROM users WHERE user_id = $1"},
  {"set_password", "UPDATE users SET password_hash = $2 WHERE user_id = $1"},
  {"revoke_other_tokens",
   "UPDATE tokens SET revoked_at = $3"
   " WHERE user_id = $1 AND device_id <> $2 AND revoked_at IS NULL RETURNING device_id"},
  {"revoke_token",
   "UPDATE tokens SET revoked_at = $2"
   " WHERE token_hash = $1 AND revoked_at IS NULL RETURNING device_id"},
  {"max_id",
   "SELECT greatest((SELECT coalesce(max(msg_id), 0) FROM messages),"
   " (SELECT coalesce(max(user_id), 0) FROM users),"
   " (SELECT coalesce(max(device_id), 0) FROM devices),"
   " (SELECT coalesce(max(conversation_id), 0) FROM conversations))"},
  {"ping", "SELECT 1"},
  // A token for every device that still has a live login token.
  {"set_push_token",
   "UPDATE devices SET push_token = nullif($2, '') WHERE device_id = $1"},
  {"push_tokens",
   "SELECT d.push_token FROM devices d WHERE d.user_id = $1"
   " AND d.push_token IS NOT NULL AND EXISTS (SELECT 1 FROM tokens t"
   " WHERE t.device_id = d.device_id AND t.revoked_at IS NULL)"
   " ORDER BY d.device_id"},
  // A call's push (../shared/CALLS.md): every logged-in device, with its
  // push token or ''.
  {"logged_in_devices",
   "SELECT d.device_id, coalesce(d.push_token, '') FROM devices d WHERE d.user_id = $1"
   " AND EXISTS (SELECT 1 FROM tokens t"
   " WHERE t.device_id = d.device_id AND t.revoked_at IS NULL)"
   " ORDER BY d.device_id"},
  // media_repo.cpp
  {"insert_media",
   "INSERT INTO media (media_id, owner_id, size, sha256, content_type, created_at)"
   " VALUES ($1, $2, $3, $4, $5, $6)"},
  {"lock_user", "SELECT 1 FROM users WHERE user_id = $1 FOR UPDATE"},
  {"groups_created_since",
   "SELECT count(*) FROM conversations"
   " WHERE kind = 'group' AND created_by = $1 AND created_at >= $2"},
  {"media_usage",
   "SELECT coalesce(sum(size), 0) FROM media WHERE owner_id = $1"},
  {"delete_media", "DELETE FROM media WHERE media_id = $1"},
  {"find_media",
   "SELECT size, sha256, content_type FROM media WHERE media_id = $1"},
  {"reference_media",
   "INSERT INTO message_media (media_id, conversation_id, seq)"
   " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"},
  // Uploads older than $1 that no message references, at most $2 at once.
  {"collect_media",
   "DELETE FROM media WHERE media_id IN (SELECT m.media_id FROM media m"
   " WHERE m.created_at < $1 AND NOT EXISTS (SELECT 1 FROM message_media r"
   " WHERE r.media_id = m.media_id) ORDER BY m.created_at LIMIT $2)"
   " RETURNING media_id, sha256, size"},
  {"blob_in_use", "SELECT 1 FROM media WHERE sha256 = $1 LIMIT 1"},
  // messages_repo.cpp
  {"find_direct",
   "SELECT conversation_id FROM direct_conversations"
   " WHERE user_lo = $1 AND user_hi = $2"},
  {"create_conversation",
   "INSERT INTO conversations (conversation_id, kind, created_at)"
   " VALUES ($1, $2, $3)"},
  {"create_direct",
   "INSERT INTO direct_conversations (user_lo, user_hi, conversation_id)"
   " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING conversation_id"},
  {"add_member",
   "INSERT INTO members (conversation_id, user_id) VALUES ($1, $2)"
   " ON CONFLICT DO NOTHING"},
  {"conversation_meta",
   "SELECT kind, coalesce(title, '') FROM conversations WHERE conversation_id = $1"},
  // Current members only (former ones keep their row with left_seq set).
  {"conversation_members",
   "SELECT user_id, delivered_seq, read_seq, is_admin, joined_seq, took_part FROM members"
   " WHERE conversation_id = $1 AND left_seq IS NULL ORDER BY joined_seq, user_id"},
  // Members' first messages: they took part (last-seen "contacts"). One
  // statement for a batch: $1 conversations, $2 users, pairwise.
  {"took_part",
   "UPDATE members m SET took_part = true"
   " FROM unnest($1::bigint[], $2::bigint[]) AS t(conversation_id, user_id)"
   " WHERE m.conversation_id = t.conversation_id AND m.user_id = t.user_id"
   " AND NOT m.took_part"},
  {"recent_senders",
   "SELECT seq, sender_id FROM messages WHERE conversation_id = $1"
   " ORDER BY seq DESC LIMIT $2"},
  {"last_message",
   "SELECT seq, ts FROM messages WHERE conversation_id = $1 ORDER BY seq DESC LIMIT 1"},
  // Whether the conversation exists, and whether $2 is a current member.
  {"may_use_conversation",
   "SELECT EXISTS (SELECT 1 FROM conversations WHERE conversation_id = $1),"
   " EXISTS (SELECT 1 FROM members WHERE conversation_id = $1 AND user_id = $2"
   "         AND left_seq IS NULL)"},
  // A current or former member: the range of seqs they may read.
  {"membership",
   "SELECT joined_seq, left_seq FROM members WHERE conversation_id = $1 AND user_id = $2"},
  {"insert_message",
   "INSERT INTO messages (msg_id, conversation_id, seq, sender_id,"
   " sender_device, client_id, ts, body, system, withheld)"
   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
   " ON CONFLICT DO NOTHING RETURNING msg_id"},
  // A whole batch in one round trip: each column an array ($6, $8 text,
  // $9, $10 boolean); the rows returned are those inserted.
  // Envelopes ($11 devices, $12 messages, $13 texts) go in with the
  // messages inserted, in the same statement.
  {"insert_messages",
   "WITH ins AS (INSERT INTO messages (msg_id, conversation_id, seq, sender_id,"
   " sender_device, client_id, ts, body, system, withheld)"
   " SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[],"
   " $5::bigint[], $6::text[], $7::bigint[], $8::text[], $9::boolean[], $10::boolean[])"
   " ON CONFLICT DO NOTHING RETURNING msg_id),"
   " env AS (INSERT INTO envelopes (device_id, msg_id, envelope)"
   "   SELECT e.* FROM unnest($11::bigint[], $12::bigint[], $13::text[])"
   "   AS e(device_id, msg_id, envelope) WHERE e.msg_id IN (SELECT msg_id FROM ins))"
   " SELECT msg_id FROM ins"},
  // The same without the arbiter checks: the first try (insert_mode).
  {"insert_new_messages",
   "WITH env AS (INSERT INTO envelopes (device_id, msg_id, envelope)"
   "   SELECT * FROM unnest($11::bigint[], $12::bigint[], $13::text[]))"
   " INSERT INTO messages (msg_id, conversation_id, seq, sender_id,"
   " sender_device, client_id, ts, body, system, withheld)"
   " SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[],"
   " $5::bigint[], $6::text[], $7::bigint[], $8::text[], $9::boolean[], $10::boolean[])"},
  // The same, marking the senders of first messages ($11 conversations, $12
  // users) in the same statement: still one round trip, still atomic
  // (envelopes: $13 to $15).
  {"insert_new_messages_marking",
   "WITH marked AS (UPDATE members m SET took_part = true"
   "   FROM unnest($11::bigint[], $12::bigint[]) AS t(conversation_id, user_id)"
   "   WHERE m.conversation_id = t.conversation_id AND m.user_id = t.user_id"
   "   AND NOT m.took_part RETURNING 1),"
   " env AS (INSERT INTO envelopes (device_id, msg_id, envelope)"
   "   SELECT * FROM unnest($13::bigint[], $14::bigint[], $15::text[]))"
   " INSERT INTO messages (msg_id, conversation_id, seq, sender_id,"
   " sender_device, client_id, ts, body, system, withheld)"
   " SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[],"
   " $5::bigint[], $6::text[], $7::bigint[], $8::text[], $9::boolean[], $10::boolean[])"},
  {"insert_envelopes",
   "INSERT INTO envelopes (device_id, msg_id, envelope)"
   " SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[]) ON CONFLICT DO NOTHING"},
  {"message_by_client_id",
   "SELECT msg_id, conversation_id, seq, ts, body, system, sender_id FROM messages"
   " WHERE sender_device = $1 AND client_id = $2"},
  // History and sync read within [$4, $5], the reader's membership range,
  // never see what was withheld from reader $6, and carry device $7's
  // envelopes.
  {"history",
   "SELECT msg_id, conversation_id, seq, sender_id, sender_device, ts, body, system,"
   " " PARLEY_ENVELOPE_OF("m", "$7") " FROM messages m WHERE conversation_id = $1 AND seq < $2"
   " AND seq BETWEEN $4 AND $5 AND NOT (withheld AND sender_id <> $6)"
   " ORDER BY seq DESC LIMIT $3"},
  {"messages_after",
   "SELECT msg_id, conversation_id, seq, sender_id, sender_device, ts, body, system,"
   " " PARLEY_ENVELOPE_OF("m", "$7") " FROM messages m WHERE conversation_id = $1 AND seq > $2"
   " AND seq BETWEEN $4 AND $5 AND NOT (withheld AND sender_id <> $6)"
   " ORDER BY seq LIMIT $3"},
  // A device's undelivered messages in all of its user's conversations,
  // except those it sent itself.
  {"undelivered",
   "SELECT m.msg_id, m.conversation_id, m.seq, m.sender_id, m.sender_device,"
   " m.ts, m.body, m.system, " PARLEY_ENVELOPE_OF("m", "$2") " FROM members mb"
   " JOIN messages m ON m.conversation_id = mb.conversation_id"
   " LEFT JOIN device_cursors dc"
   "   ON dc.device_id = $2 AND dc.conversation_id = mb.conversation_id"
   " WHERE mb.user_id = $1 AND m.seq > coalesce(dc.delivered_seq, 0)"
   "   AND m.seq >= mb.joined_seq AND (mb.left_seq IS NULL OR m.seq <= mb.left_seq)"
   "   AND m.sender_device <> $2 AND NOT (m.withheld AND m.sender_id <> $1)"
   " ORDER BY m.conversation_id, m.seq LIMIT $3"},
  // A gap in what a live device was sent ($1 conversation, $2 reader, $3 <
  // seq < $4, ts >= $5), without what device $6 sent itself.
  {"live_gap",
   "SELECT m.msg_id, m.conversation_id, m.seq, m.sender_id, m.sender_device,"
   " m.ts, m.body, m.system, " PARLEY_ENVELOPE_OF("m", "$6") " FROM members mb"
   " JOIN messages m ON m.conversation_id = mb.conversation_id"
   " WHERE mb.conversation_id = $1 AND mb.user_id = $2"
   "   AND m.seq > greatest($3, mb.joined_seq - 1) AND m.seq < $4"
   "   AND (mb.left_seq IS NULL OR m.seq <= mb.left_seq) AND m.ts >= $5"
   "   AND m.sender_device <> $6 AND NOT (m.withheld AND m.sender_id <> $2)"
   " ORDER BY m.seq LIMIT $7"},
  // After a fault, what user $1's live device $2 may have lost: in the
  // conversations it was sent frames of ($3, after seqs $4), what came
  // after; in the others, what was stamped since $5, at most $6 newest of
  // each. Only conversations whose last message is that recent are read
  // (one index probe each), and older messages cannot have been in flight.
  {"live_recovery",
   "SELECT m.msg_id, m.conversation_id, m.seq, m.sender_id, m.sender_device,"
   " m.ts, m.body, m.system, " PARLEY_ENVELOPE_OF("m", "$2") " FROM members mb"
   " CROSS JOIN LATERAL (SELECT seq, ts FROM messages"
   "   WHERE conversation_id = mb.conversation_id ORDER BY seq DESC LIMIT 1) last"
   " LEFT JOIN unnest($3::bigint[], $4::bigint[]) AS seen(conversation_id, after)"
   "   ON seen.conversation_id = mb.conversation_id"
   " JOIN messages m ON m.conversation_id = mb.conversation_id"
   "   AND m.seq > coalesce(seen.after, last.seq - $6)"
   " WHERE mb.user_id = $1 AND last.ts >= $5"
   "   AND m.seq >= mb.joined_seq AND (mb.left_seq IS NULL OR m.seq <= mb.left_seq)"
   "   AND (seen.conversation_id IS NOT NULL OR m.ts >= $5)"
   "   AND m.sender_device <> $2 AND NOT (m.withheld AND m.sender_id <> $1)"
   " ORDER BY m.conversation_id, m.seq LIMIT $7"},
  // Cursors only move forward; `read` implies `delivered`.
  {"advance_device_cursor",
   "INSERT INTO device_cursors (device_id, conversation_id, delivered_seq,"
   " read_seq) VALUES ($1, $2, $3, $4)"
   " ON CONFLICT (device_id, conversation_id) DO UPDATE SET"
   " delivered_seq = greatest(device_cursors.delivered_seq, EXCLUDED.delivered_seq),"
   " read_seq = greatest(device_cursors.read_seq, EXCLUDED.read_seq)"},
  {"advance_member_cursor",
   "UPDATE members SET delivered_seq = greatest(delivered_seq, $3),"
   " read_seq = greatest(read_seq, $4)"
   " WHERE conversation_id = $1 AND user_id = $2"},
  // Unread: others' messages past the read cursor (system messages do not
  // count), from the caller's join on.
  {"list_conversations",
   "SELECT c.conversation_id, c.kind, mb.read_seq,"
   " (SELECT coalesce(max(m.seq), 0) FROM messages m"
   "   WHERE m.conversation_id = c.conversation_id) AS last_seq,"
   " (SELECT count(*) FROM messages m WHERE m.conversation_id = c.conversation_id"
   "   AND m.seq > greatest(mb.read_seq, mb.joined_seq - 1) AND m.sender_id <> $1"
   "   AND NOT m.system AND NOT m.withheld) AS unread,"
   " peer.user_id AS peer_id, peer.username AS peer_name,"
   " pm.delivered_seq AS peer_delivered, pm.read_seq AS peer_read,"
   " (SELECT string_agg(m2.user_id::text, ',' ORDER BY m2.user_id) FROM members m2"
   "   WHERE m2.conversation_id = c.conversation_id AND m2.left_seq IS NULL) AS member_ids,"
   " c.title"
   " FROM members mb JOIN conversations c USING (conversation_id)"
   " LEFT JOIN direct_conversations d USING (conversation_id)"
   " LEFT JOIN users peer ON peer.user_id ="
   "   CASE WHEN d.user_lo = $1 THEN d.user_hi ELSE d.user_lo END"
   " LEFT JOIN members pm ON pm.conversation_id = c.conversation_id"
   "   AND pm.user_id = peer.user_id"
   " WHERE mb.user_id = $1 AND mb.left_seq IS NULL"
   " ORDER BY last_seq DESC, c.conversation_id"},
  // groups_repo.cpp
  {"existing_users", "SELECT user_id FROM users WHERE user_id = ANY($1::bigint[])"},
  {"create_group",
   "INSERT INTO conversations (conversation_id, kind, title, created_by, created_at)"
   " VALUES ($1, 'group', $2, $3, $4)"},
  // A new member's cursors start just before their join: earlier messages
  // are neither theirs to read nor unread.
  {"join_group",
   "INSERT INTO members (conversation_id, user_id, is_admin, joined_seq,"
   " delivered_seq, read_seq) VALUES ($1, $2, $3, $4::bigint, $4::bigint - 1, $4::bigint - 1)"
   " ON CONFLICT (conversation_id, user_id) DO UPDATE SET"
   " is_admin = EXCLUDED.is_admin, joined_seq = EXCLUDED.joined_seq, left_seq = NULL,"
   " delivered_seq = greatest(members.delivered_seq, EXCLUDED.delivered_seq),"
   " read_seq = greatest(members.read_seq, EXCLUDED.read_seq)"},
  {"leave_group",
   "UPDATE members SET left_seq = $3, is_admin = false"
   " WHERE conversation_id = $1 AND user_id = $2 AND left_seq IS NULL"},
  {"make_admin",
   "UPDATE members SET is_admin = true WHERE conversation_id = $1 AND user_id = $2"},
  {"conversation_details",
   "SELECT kind, coalesce(title, ''), coalesce(created_by, 0), created_at,"
   " (SELECT coalesce(max(seq), 0) FROM messages WHERE conversation_id = $1)"
   " FROM conversations WHERE conversation_id = $1"},
  {"message_sender",
   "SELECT sender_id FROM messages WHERE conversation_id = $1 AND seq = $2"},
  // Who of the members that could see message $2 (all but its sender)
  // have received and read it.
  {"message_receipts",
   "SELECT user_id, delivered_seq >= $2, read_seq >= $2 FROM members"
   " WHERE conversation_id = $1 AND left_seq IS NULL AND joined_seq <= $2"
   " AND user_id <> $3 ORDER BY user_id"},
  // blocks_repo.cpp
  {"block",
   "INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, $3)"
   " ON CONFLICT DO NOTHING"},
  {"unblock", "DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2"},
  {"blocked_by",
   "SELECT b.blocked_id, u.username, b.created_at FROM blocks b"
   " JOIN users u ON u.user_id = b.blocked_id WHERE b.blocker_id = $1"
   " ORDER BY b.created_at, b.blocked_id"},
  {"blockers_of",
   "SELECT blocker_id FROM blocks WHERE blocked_id = $1 AND blocker_id = ANY($2::bigint[])"
   " ORDER BY blocker_id"},
  // Of the users in $1, those who block someone else in $1.
  {"blockers_among",
   "SELECT DISTINCT blocker_id FROM blocks"
   " WHERE blocker_id = ANY($1::bigint[]) AND blocked_id = ANY($1::bigint[])"},
  // presence_repo.cpp
  {"presence_load",
   "SELECT coalesce(last_seen, 0), last_seen_privacy FROM users WHERE user_id = $1"},
  {"store_last_seen",
   "UPDATE users SET last_seen = greatest(coalesce(last_seen, 0), $2)"
   " WHERE user_id = $1"},
  {"set_privacy", "UPDATE users SET last_seen_privacy = $2 WHERE user_id = $1"},
  // For each existing user of $2: whether they and $1 are contacts (both
  // took part in a conversation they are members of).
  {"presence_targets",
   "SELECT u.user_id, EXISTS (SELECT 1 FROM members a JOIN members b"
   "   USING (conversation_id) WHERE a.user_id = $1 AND b.user_id = u.user_id"
   "   AND a.left_seq IS NULL AND b.left_seq IS NULL AND a.took_part AND b.took_part)"
   " FROM users u WHERE u.user_id = ANY($2::bigint[])"},
};

#undef PARLEY_ENVELOPE_OF

bool has_param(const std::string& url, const char* name) {
  return url.find(name) != std::string::npos;
}

} // namespace

std::string with_timeouts(const std::string& url) {
  // connect_timeout: a dead server fails a connect in seconds.
  // keepalives and tcp_user_timeout: a frozen one fails a query in seconds.
  static constexpr std::pair<const char*, const char*> defaults[] = {
    {"connect_timeout", "3"},     {"keepalives", "1"},
    {"keepalives_idle", "5"},     {"keepalives_interval", "2"},
    {"keepalives_count", "2"},    {"tcp_user_timeout", "8000"},
  };
  bool is_uri = url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
  auto out = url;
  for (auto& [name, value] : defaults) {
    if (has_param(url, name))
      continue;
    if (is_uri)
      out += (out.find('?') == std::string::npos ? '?' : '&');
    else
      out += ' ';
    out += std::string{name} + "=" + value;
  }
  return out;
}

database::database(std::string url) : url_(with_timeouts(url)) {
}

database::~database() = default;

pqxx::connection& database::conn() {
  if (conn_ && conn_->is_open())
    return *conn_;
  conn_.reset();
  auto fresh = std::make_unique<pqxx::connection>(url_);
  for (auto& s : statements)
    fresh->prepare(s.name, s.sql);
  for (std::size_t i = 0; i < key_statement_count; ++i)
    fresh->prepare(key_statements[i].name, key_statements[i].sql);
  conn_ = std::move(fresh);
  return *conn_;
}

void database::reset() {
  conn_.reset();
}

} // namespace parley::storage
