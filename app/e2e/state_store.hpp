#pragma once
// A device's end-to-end state on disk (../shared/E2E.md §13): its keys,
// sessions, the devices it has seen and its decrypted history, in one
// SQLite database under the state directory (0700; the files 0600). Every
// read-modify-write runs inside `transaction` (BEGIN IMMEDIATE), so that
// several `parley` processes on one state take turns and a crash never
// loses a ratchet step or reuses a key. Used by the CLI and parley-bench.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/e2e/sqlite_db.hpp"
#include "wire/e2e/group.hpp"
#include "wire/e2e/key_directory.hpp"
#include "wire/e2e/session.hpp"
#include "wire/ids.hpp"

namespace parley::e2e_client {

using e2e::bytes;
using e2e::key_pair;

// What became of a device's identity when it was seen again.
enum class identity_seen { first_time, same, changed };

struct known_device {
  id64 user = 0;
  id64 device = 0;
  bytes identity_key;
  bytes identity_dh;
  bool changed = false; // its identity changed since first seen
};

struct stored_message {
  std::string msg_id;
  std::string conversation;
  std::int64_t seq = 0;
  std::string json; // the message as `listen --json` prints it
};

class state_store {
public:
  // Opens DIR/state.db, making DIR (0700) first.
  explicit state_store(const std::filesystem::path& dir);

  // Runs `fn` as one exclusive transaction.
  void transaction(const std::function<void()>& fn) { db_.transaction(fn); }

  // --- this device's keys (a new login starts from nothing)
  void clear();
  void save_identity(const e2e::identity& id);
  std::optional<e2e::identity> own_identity();
  void add_signed_prekey(std::uint32_t id, const key_pair& pair, std::int64_t now_ms);
  std::optional<key_pair> signed_prekey(std::uint32_t id);
  // The newest signed prekey: its id and when it was made.
  std::optional<std::pair<std::uint32_t, std::int64_t>> current_signed_prekey();
  // Makes `n` one-time prekeys, ids continuing upwards; their public halves.
  std::vector<e2e::published_prekey> make_one_time_prekeys(std::size_t n);
  // Signed prekeys replaced before `before_ms` (the current one stays).
  void drop_signed_prekeys_replaced_before(std::int64_t before_ms);
  std::optional<key_pair> one_time_prekey(std::uint32_t id);
  void drop_one_time_prekey(std::uint32_t id);

  // --- sessions with peer devices
  e2e::peer_sessions sessions(id64 user, id64 device);
  void save_sessions(id64 user, id64 device, const e2e::peer_sessions& sessions);

  // --- devices seen
  identity_seen remember_device(id64 user, id64 device, const bytes& identity_key,
                                const bytes& identity_dh);
  std::vector<known_device> known_devices(id64 user);
  void forget_device(id64 user, id64 device);
  // Whether every device of `user` was fetched once (GET /v1/keys/{user}).
  bool user_seen(id64 user);
  void mark_user_seen(id64 user);

  // --- decrypted history (app/e2e/state_store_messages.cpp)
  // A message handled before: shown, or carrying nothing to show.
  bool handled(const std::string& msg_id);
  void mark_handled(const std::string& msg_id);
  // Stores it (and marks it handled).
  void store_message(const stored_message& m);
  // Oldest first, the newest `limit`.
  std::vector<stored_message> history(const std::string& conversation, int limit);

  // --- what `fetch` needs to open a received file
  struct media_secret {
    bytes key;
    std::string sha256;
    std::uint64_t size = 0;
  };
  void save_media_key(const std::string& media_id, const media_secret& secret);
  std::optional<media_secret> media_key(const std::string& media_id);

  // --- sender keys (E2E.md §11): this device's per group, with the
  // devices known to hold it, and the ones received, up to 5 per device.
  struct own_group_key {
    e2e::own_sender_key key;
    std::vector<id64> holders; // ascending
  };
  std::optional<own_group_key> own_sender_key(const std::string& conversation);
  void save_own_sender_key(const std::string& conversation, const own_group_key& key);
  std::optional<e2e::their_sender_key> their_sender_key(const std::string& conversation,
                                                        id64 device, std::uint32_t key_id);
  // Keeps the newest 5 of the device's keys in the conversation.
  void save_their_sender_key(const std::string& conversation, id64 device,
                             const e2e::their_sender_key& key);

  // --- small settings (server, token, ids)
  void set(const std::string& key, const std::string& value);
  std::optional<std::string> get(const std::string& key);

private:
  sqlite_db db_;
};

} // namespace parley::e2e_client
