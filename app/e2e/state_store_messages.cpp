// The parts of a device's state that follow from messages: what was
// handled and shown, the keys of received files, and sender keys.
#include "app/e2e/state_store.hpp"

#include <nlohmann/json.hpp>

#include "wire/e2e/state_codec.hpp"

namespace parley::e2e_client {

namespace {

constexpr std::int64_t their_keys_kept = 5; // per sender device, E2E.md §11

} // namespace

bool state_store::handled(const std::string& msg_id) {
  statement s{db_, "SELECT 1 FROM handled WHERE msg_id = ?"};
  s.bind(1, msg_id);
  return s.step();
}

void state_store::mark_handled(const std::string& msg_id) {
  statement s{db_, "INSERT OR IGNORE INTO handled VALUES (?)"};
  s.bind(1, msg_id).step();
}

void state_store::store_message(const stored_message& m) {
  statement s{db_, "INSERT OR IGNORE INTO messages VALUES (?, ?, ?, ?)"};
  s.bind(1, m.msg_id).bind(2, m.conversation).bind(3, m.seq).bind(4, m.json).step();
  mark_handled(m.msg_id);
}

std::vector<stored_message> state_store::history(const std::string& conversation, int limit) {
  statement s{db_, "SELECT msg_id, seq, json FROM (SELECT * FROM messages"
                   " WHERE conversation = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq"};
  s.bind(1, conversation).bind(2, std::int64_t{limit});
  std::vector<stored_message> out;
  while (s.step())
    out.push_back({s.text(0), conversation, s.integer(1), s.text(2)});
  return out;
}

void state_store::save_media_key(const std::string& media_id, const media_secret& secret) {
  statement s{db_, "INSERT OR REPLACE INTO media_keys VALUES (?, ?, ?, ?)"};
  s.bind(1, media_id).bind(2, e2e::hex(secret.key)).bind(3, secret.sha256);
  s.bind(4, static_cast<std::int64_t>(secret.size)).step();
}

std::optional<state_store::media_secret> state_store::media_key(const std::string& media_id) {
  statement s{db_, "SELECT key, sha256, size FROM media_keys WHERE media_id = ?"};
  s.bind(1, media_id);
  if (!s.step())
    return std::nullopt;
  auto key = e2e::from_hex(s.text(0));
  if (!key)
    throw state_error("the state database holds a damaged media key");
  return media_secret{std::move(*key), s.text(1), static_cast<std::uint64_t>(s.integer(2))};
}

std::optional<state_store::own_group_key>
state_store::own_sender_key(const std::string& conversation) {
  statement s{db_, "SELECT state, holders FROM own_sender_keys WHERE conversation = ?"};
  s.bind(1, conversation);
  if (!s.step())
    return std::nullopt;
  auto key = e2e::decode_own_sender_key(s.text(0));
  auto holders = nlohmann::json::parse(s.text(1), nullptr, false);
  if (!key || !holders.is_array())
    throw state_error("the state database holds a damaged sender key");
  own_group_key out{std::move(*key), {}};
  for (auto& h : holders)
    out.holders.push_back(h.get<id64>());
  return out;
}

void state_store::save_own_sender_key(const std::string& conversation,
                                      const own_group_key& key) {
  statement s{db_, "INSERT OR REPLACE INTO own_sender_keys VALUES (?, ?, ?)"};
  s.bind(1, conversation).bind(2, e2e::encode_own_sender_key(key.key));
  s.bind(3, nlohmann::json(key.holders).dump()).step();
}

std::optional<e2e::their_sender_key>
state_store::their_sender_key(const std::string& conversation, id64 device,
                              std::uint32_t key_id) {
  statement s{db_, "SELECT state FROM their_sender_keys"
                   " WHERE conversation = ? AND device_id = ? AND key_id = ?"};
  s.bind(1, conversation).bind(2, device).bind(3, std::int64_t{key_id});
  if (!s.step())
    return std::nullopt;
  auto key = e2e::decode_their_sender_key(s.text(0));
  if (!key)
    throw state_error("the state database holds a damaged sender key");
  return key;
}

void state_store::save_their_sender_key(const std::string& conversation, id64 device,
                                        const e2e::their_sender_key& key) {
  // `added` orders the keys of a device: an update keeps its place.
  statement s{db_, "INSERT INTO their_sender_keys VALUES (?, ?, ?, ?,"
                   " (SELECT COALESCE(MAX(added), 0) + 1 FROM their_sender_keys))"
                   " ON CONFLICT (conversation, device_id, key_id) DO UPDATE"
                   " SET state = excluded.state"};
  s.bind(1, conversation).bind(2, device).bind(3, std::int64_t{key.key_id});
  s.bind(4, e2e::encode_their_sender_key(key)).step();
  statement trim{db_, "DELETE FROM their_sender_keys WHERE conversation = ? AND device_id = ?"
                      " AND added NOT IN (SELECT added FROM their_sender_keys"
                      " WHERE conversation = ? AND device_id = ? ORDER BY added DESC LIMIT ?)"};
  trim.bind(1, conversation).bind(2, device).bind(3, conversation).bind(4, device);
  trim.bind(5, their_keys_kept).step();
}

} // namespace parley::e2e_client
