#include "app/e2e/state_store.hpp"

#include <sys/stat.h>

#include "wire/e2e/state_codec.hpp"

namespace parley::e2e_client {

namespace fs = std::filesystem;
using e2e::from_hex;
using e2e::hex;

namespace {

fs::path prepared_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw state_error("cannot create " + dir.string() + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  return dir / "state.db";
}

constexpr const char* schema = R"(
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS identity (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  ik_priv TEXT NOT NULL, ik_pub TEXT NOT NULL, ikdh_priv TEXT NOT NULL, ikdh_pub TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS signed_prekeys (
  id INTEGER PRIMARY KEY, priv TEXT NOT NULL, pub TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS one_time_prekeys (
  id INTEGER PRIMARY KEY, priv TEXT NOT NULL, pub TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS prekey_ids (one INTEGER PRIMARY KEY CHECK (one = 1),
  next_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
  user_id INTEGER NOT NULL, device_id INTEGER NOT NULL, state TEXT NOT NULL,
  PRIMARY KEY (user_id, device_id));
CREATE TABLE IF NOT EXISTS devices (
  user_id INTEGER NOT NULL, device_id INTEGER NOT NULL,
  identity_key TEXT NOT NULL, identity_dh TEXT NOT NULL, changed INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, device_id));
CREATE TABLE IF NOT EXISTS messages (
  msg_id TEXT PRIMARY KEY, conversation TEXT NOT NULL, seq INTEGER NOT NULL, json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages (conversation, seq);
CREATE TABLE IF NOT EXISTS handled (msg_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS users_seen (user_id INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS media_keys (
  media_id TEXT PRIMARY KEY, key TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS own_sender_keys (
  conversation TEXT PRIMARY KEY, state TEXT NOT NULL, holders TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS their_sender_keys (
  conversation TEXT NOT NULL, device_id INTEGER NOT NULL, key_id INTEGER NOT NULL,
  state TEXT NOT NULL, added INTEGER NOT NULL,
  PRIMARY KEY (conversation, device_id, key_id));
)";

bytes unhex(const std::string& text) {
  auto raw = from_hex(text);
  if (!raw)
    throw state_error("the state database holds a damaged key");
  return std::move(*raw);
}

} // namespace

state_store::state_store(const fs::path& dir) : db_(prepared_dir(dir).string()) {
  db_.exec(schema);
}

void state_store::clear() {
  db_.exec("DELETE FROM settings; DELETE FROM identity; DELETE FROM signed_prekeys;"
           " DELETE FROM one_time_prekeys; DELETE FROM prekey_ids; DELETE FROM sessions;"
           " DELETE FROM devices; DELETE FROM messages; DELETE FROM handled; DELETE FROM users_seen;"
           " DELETE FROM media_keys; DELETE FROM own_sender_keys; DELETE FROM their_sender_keys;");
}

void state_store::save_identity(const e2e::identity& id) {
  statement s{db_, "INSERT OR REPLACE INTO identity VALUES (1, ?, ?, ?, ?)"};
  s.bind(1, hex(id.ik.priv)).bind(2, hex(id.ik.pub)).bind(3, hex(id.ikdh.priv));
  s.bind(4, hex(id.ikdh.pub)).step();
}

std::optional<e2e::identity> state_store::own_identity() {
  statement s{db_, "SELECT ik_priv, ik_pub, ikdh_priv, ikdh_pub FROM identity"};
  if (!s.step())
    return std::nullopt;
  return e2e::identity{{unhex(s.text(0)), unhex(s.text(1))}, {unhex(s.text(2)), unhex(s.text(3))}};
}

void state_store::add_signed_prekey(std::uint32_t id, const key_pair& pair,
                                    std::int64_t now_ms) {
  statement s{db_, "INSERT INTO signed_prekeys VALUES (?, ?, ?, ?)"};
  s.bind(1, std::int64_t{id}).bind(2, hex(pair.priv)).bind(3, hex(pair.pub)).bind(4, now_ms);
  s.step();
}

std::optional<key_pair> state_store::signed_prekey(std::uint32_t id) {
  statement s{db_, "SELECT priv, pub FROM signed_prekeys WHERE id = ?"};
  s.bind(1, std::int64_t{id});
  if (!s.step())
    return std::nullopt;
  return key_pair{unhex(s.text(0)), unhex(s.text(1))};
}

std::optional<std::pair<std::uint32_t, std::int64_t>> state_store::current_signed_prekey() {
  statement s{db_, "SELECT id, created_ms FROM signed_prekeys ORDER BY id DESC LIMIT 1"};
  if (!s.step())
    return std::nullopt;
  return std::pair{static_cast<std::uint32_t>(s.integer(0)), s.integer(1)};
}

std::vector<e2e::published_prekey> state_store::make_one_time_prekeys(std::size_t n) {
  std::int64_t next = 1;
  {
    statement s{db_, "SELECT next_id FROM prekey_ids"};
    if (s.step())
      next = s.integer(0);
  }
  std::vector<e2e::published_prekey> out;
  for (std::size_t i = 0; i < n; ++i, ++next) {
    auto pair = e2e::x25519_generate();
    statement s{db_, "INSERT INTO one_time_prekeys VALUES (?, ?, ?)"};
    s.bind(1, next).bind(2, hex(pair.priv)).bind(3, hex(pair.pub)).step();
    out.push_back({static_cast<std::uint32_t>(next), e2e::b64(pair.pub), {}});
  }
  statement s{db_, "INSERT OR REPLACE INTO prekey_ids VALUES (1, ?)"};
  s.bind(1, next).step();
  return out;
}

void state_store::drop_signed_prekeys_replaced_before(std::int64_t before_ms) {
  // A prekey was replaced when the next one was made.
  statement s{db_, "DELETE FROM signed_prekeys WHERE id < (SELECT MAX(id) FROM signed_prekeys)"
                   " AND (SELECT MIN(n.created_ms) FROM signed_prekeys n"
                   "      WHERE n.id > signed_prekeys.id) < ?"};
  s.bind(1, before_ms).step();
}

std::optional<key_pair> state_store::one_time_prekey(std::uint32_t id) {
  statement s{db_, "SELECT priv, pub FROM one_time_prekeys WHERE id = ?"};
  s.bind(1, std::int64_t{id});
  if (!s.step())
    return std::nullopt;
  return key_pair{unhex(s.text(0)), unhex(s.text(1))};
}

void state_store::drop_one_time_prekey(std::uint32_t id) {
  statement s{db_, "DELETE FROM one_time_prekeys WHERE id = ?"};
  s.bind(1, std::int64_t{id}).step();
}

e2e::peer_sessions state_store::sessions(id64 user, id64 device) {
  statement s{db_, "SELECT state FROM sessions WHERE user_id = ? AND device_id = ?"};
  s.bind(1, user).bind(2, device);
  if (!s.step())
    return {};
  auto decoded = e2e::decode_sessions(s.text(0));
  if (!decoded)
    throw state_error("the state database holds a damaged session");
  return std::move(*decoded);
}

void state_store::save_sessions(id64 user, id64 device, const e2e::peer_sessions& sessions) {
  statement s{db_, "INSERT OR REPLACE INTO sessions VALUES (?, ?, ?)"};
  s.bind(1, user).bind(2, device).bind(3, e2e::encode_sessions(sessions)).step();
}

identity_seen state_store::remember_device(id64 user, id64 device, const bytes& identity_key,
                                           const bytes& identity_dh) {
  statement find{db_, "SELECT identity_key, identity_dh FROM devices"
                      " WHERE user_id = ? AND device_id = ?"};
  find.bind(1, user).bind(2, device);
  if (!find.step()) {
    statement add{db_, "INSERT INTO devices (user_id, device_id, identity_key, identity_dh)"
                       " VALUES (?, ?, ?, ?)"};
    add.bind(1, user).bind(2, device).bind(3, hex(identity_key)).bind(4, hex(identity_dh));
    add.step();
    return identity_seen::first_time;
  }
  if (find.text(0) == hex(identity_key) && find.text(1) == hex(identity_dh))
    return identity_seen::same;
  // E2E.md §12: the old sessions go, the new identity is used from now on,
  // and the device stays marked so that every listing shows the change.
  statement mark{db_, "UPDATE devices SET identity_key = ?, identity_dh = ?, changed = 1"
                      " WHERE user_id = ? AND device_id = ?"};
  mark.bind(1, hex(identity_key)).bind(2, hex(identity_dh)).bind(3, user).bind(4, device);
  mark.step();
  statement drop{db_, "DELETE FROM sessions WHERE user_id = ? AND device_id = ?"};
  drop.bind(1, user).bind(2, device).step();
  return identity_seen::changed;
}

std::vector<known_device> state_store::known_devices(id64 user) {
  statement s{db_, "SELECT device_id, identity_key, identity_dh, changed FROM devices"
                   " WHERE user_id = ? ORDER BY device_id"};
  s.bind(1, user);
  std::vector<known_device> out;
  while (s.step())
    out.push_back({user, s.integer(0), unhex(s.text(1)), unhex(s.text(2)), s.integer(3) != 0});
  return out;
}

void state_store::forget_device(id64 user, id64 device) {
  for (auto* sql : {"DELETE FROM devices WHERE user_id = ? AND device_id = ?",
                    "DELETE FROM sessions WHERE user_id = ? AND device_id = ?"}) {
    statement s{db_, sql};
    s.bind(1, user).bind(2, device).step();
  }
}

bool state_store::user_seen(id64 user) {
  statement s{db_, "SELECT 1 FROM users_seen WHERE user_id = ?"};
  s.bind(1, user);
  return s.step();
}

void state_store::mark_user_seen(id64 user) {
  statement s{db_, "INSERT OR IGNORE INTO users_seen VALUES (?)"};
  s.bind(1, user).step();
}

void state_store::set(const std::string& key, const std::string& value) {
  statement s{db_, "INSERT OR REPLACE INTO settings VALUES (?, ?)"};
  s.bind(1, key).bind(2, value).step();
}

std::optional<std::string> state_store::get(const std::string& key) {
  statement s{db_, "SELECT value FROM settings WHERE key = ?"};
  s.bind(1, key);
  if (!s.step())
    return std::nullopt;
  return s.text(0);
}

} // namespace parley::e2e_client
