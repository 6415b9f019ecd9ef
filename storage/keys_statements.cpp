// The key directory's statements (storage/keys_repo.cpp). A device is
// current while it is not removed and holds a live token: unrevoked and
// used after $valid_after (--token-ttl-days).
#include "storage/statements.hpp"

namespace parley::storage {

// A scalar subquery, not EXISTS: it stays a per-row look-up by the two
// indexes, where an EXISTS may be planned as a join over every device and
// token (as it was, on young tables whose statistics said they were tiny).
#define PARLEY_CURRENT_DEVICE(device, valid_after)                                        \
  "(SELECT true FROM devices d JOIN tokens t ON t.device_id = d.device_id"                \
  " WHERE d.device_id = " device " AND d.removed_at IS NULL AND t.revoked_at IS NULL"     \
  " AND t.last_used_at > " valid_after " LIMIT 1) IS NOT NULL"

const statement key_statements[] = {
  // Serialises uploads of one device (the row exists for every device).
  {"keys_lock_device", "SELECT 1 FROM devices WHERE device_id = $1 FOR UPDATE"},
  {"keys_of_device",
   "SELECT identity_key, identity_dh, identity_sig, spk_id, spk_key, spk_sig"
   " FROM device_keys WHERE device_id = $1"},
  {"keys_unclaimed",
   "SELECT count(*) FROM one_time_prekeys WHERE device_id = $1 AND claimed_at IS NULL"},
  {"keys_known",
   "SELECT key_id, key FROM one_time_prekeys"
   " WHERE device_id = $1 AND key_id = ANY($2::bigint[])"},
  {"keys_publish",
   "INSERT INTO device_keys (device_id, user_id, identity_key, identity_dh, identity_sig,"
   " spk_id, spk_key, spk_sig, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"},
  {"keys_set_signed_prekey",
   "UPDATE device_keys SET spk_id = $2, spk_key = $3, spk_sig = $4 WHERE device_id = $1"},
  {"keys_add_prekeys",
   "INSERT INTO one_time_prekeys (device_id, key_id, key)"
   " SELECT $1, unnest($2::bigint[]), unnest($3::text[]) ON CONFLICT DO NOTHING"},
  {"keys_status",
   "SELECT (SELECT spk_id FROM device_keys WHERE device_id = $1),"
   " (SELECT count(*) FROM one_time_prekeys WHERE device_id = $1 AND claimed_at IS NULL)"},
  // One bundle per current device of $1 with keys, except $2 (and only
  // those in $6 unless $3), each claiming its lowest unclaimed
  // one-time prekey. SKIP LOCKED: concurrent claims each take another key
  // (or none), never the same one.
  {"keys_claim",
   "WITH devs AS (SELECT k.* FROM device_keys k WHERE k.user_id = $1 AND k.device_id <> $2"
   "   AND ($3 OR k.device_id = ANY($6::bigint[]))"
   "   AND " PARLEY_CURRENT_DEVICE("k.device_id", "$4") "),"
   " picked AS (SELECT p.device_id, p.key_id FROM devs CROSS JOIN LATERAL"
   "   (SELECT o.device_id, o.key_id FROM one_time_prekeys o"
   "     WHERE o.device_id = devs.device_id AND o.claimed_at IS NULL"
   "     ORDER BY o.key_id LIMIT 1 FOR UPDATE SKIP LOCKED) p),"
   " claimed AS (UPDATE one_time_prekeys o SET claimed_at = $5 FROM picked"
   "   WHERE o.device_id = picked.device_id AND o.key_id = picked.key_id"
   "   RETURNING o.device_id, o.key_id, o.key)"
   " SELECT devs.device_id, devs.identity_key, devs.identity_dh, devs.identity_sig,"
   "  devs.spk_id, devs.spk_key, devs.spk_sig, claimed.key_id, claimed.key"
   " FROM devs LEFT JOIN claimed ON claimed.device_id = devs.device_id"
   " ORDER BY devs.device_id"},
  {"keys_remaining",
   "SELECT d, (SELECT count(*) FROM one_time_prekeys o"
   "  WHERE o.device_id = d AND o.claimed_at IS NULL)"
   " FROM unnest($1::bigint[]) d"},
  {"keys_identities",
   "SELECT k.device_id, k.identity_key, k.identity_dh, k.identity_sig FROM device_keys k"
   " WHERE k.user_id = $1 AND " PARLEY_CURRENT_DEVICE("k.device_id", "$2")
   " ORDER BY k.device_id"},
  // The devices of the users in $1 every send must address: current, with
  // keys.
  {"keys_required",
   "SELECT k.user_id, k.device_id FROM device_keys k"
   " WHERE k.user_id = ANY($1::bigint[]) AND " PARLEY_CURRENT_DEVICE("k.device_id", "$2")
   " ORDER BY k.device_id"},
  {"keys_device_owners",
   "SELECT user_id, device_id FROM devices WHERE device_id = ANY($1::bigint[])"},
  // Envelopes of messages stamped before $1 that their device acknowledged
  // (seq at or below its delivered cursor), at most $2 of them.
  {"envelopes_sweep",
   "DELETE FROM envelopes e WHERE (e.device_id, e.msg_id) IN"
   " (SELECT e2.device_id, e2.msg_id FROM envelopes e2"
   "  JOIN messages m ON m.msg_id = e2.msg_id"
   "  JOIN device_cursors c ON c.device_id = e2.device_id"
   "   AND c.conversation_id = m.conversation_id"
   "  WHERE m.ts < $1 AND m.seq <= c.delivered_seq LIMIT $2)"},
  // Of the devices in $1, those left without an unrevoked token lose their
  // keys, the record of claimed one-time prekeys included, and the
  // envelopes waiting for them (no key of theirs can open those again).
  {"keys_drop_signed_out",
   "WITH gone AS (SELECT d FROM unnest($1::bigint[]) d WHERE NOT EXISTS"
   "   (SELECT 1 FROM tokens t WHERE t.device_id = d AND t.revoked_at IS NULL)),"
   " prekeys AS (DELETE FROM one_time_prekeys WHERE device_id IN (SELECT d FROM gone)),"
   " sealed AS (DELETE FROM envelopes WHERE device_id IN (SELECT d FROM gone))"
   " DELETE FROM device_keys WHERE device_id IN (SELECT d FROM gone) RETURNING device_id"},
};

#undef PARLEY_CURRENT_DEVICE

const std::size_t key_statement_count = sizeof(key_statements) / sizeof(key_statements[0]);

} // namespace parley::storage
