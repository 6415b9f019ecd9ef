#pragma once
// What a store actor answers besides batched writes: one method per query,
// each running in a transaction of the store's connection (or alone, for a
// lone read). Defined by concern: store_accounts.cpp, store_conversations.cpp,
// store_presence.cpp, store_media.cpp.
#include <caf/make_message.hpp>
#include <caf/result.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "actors/context.hpp"
#include "actors/conversation_messages.hpp"
#include "actors/store_connection.hpp"
#include "actors/store_messages.hpp"
#include "wire/records.hpp"

namespace parley {

class store_queries {
public:
  store_queries(store_connection& conn, context_ptr ctx) : conn_(conn), ctx_(std::move(ctx)) {
  }

  // --- accounts, devices, tokens, push tokens (actors/store_accounts.cpp)
  // The password arrives hashed (actors/hasher.hpp): no store ever runs
  // Argon2.
  caf::result<id64> signup(const std::string& username, const std::string& password_hash);

  caf::result<user_secret> secret_of(const std::string& username);

  caf::result<user_secret> secret_of(id64 user);

  caf::result<login_result> login(const login_request& req);

  caf::result<identity> authenticate(const std::string& token);

  caf::result<bool> revoke(const std::string& token);

  caf::result<std::vector<wire::device_row>> devices(id64 user);

  caf::result<bool> remove_device(id64 user, id64 device);

  // Stores the new hash; the devices signed out by the change.
  caf::result<std::vector<id64>> change_password(const password_change& req);

  caf::result<wire::user_ref> lookup(const std::string& username);

  caf::result<bool> set_push_token(id64 device, const std::string& token);

  caf::result<std::vector<std::string>> push_tokens(id64 user);

  // The logged-in devices and their push tokens, for a call's push.
  caf::result<std::vector<id64>, std::vector<std::string>> device_tokens(id64 user);

  caf::result<bool> ping();

  // --- conversations, history, groups, receipts, sync and loading a
  // conversation (actors/store_conversations.cpp)
  caf::result<std::vector<wire::conversation_summary>> conversations(id64 user);

  // With `device`'s envelopes (E2E.md §9).
  caf::result<std::vector<wire::stored_message>> history(id64 user, id64 device, id64 conv,
                                                        std::int64_t before, std::int32_t limit);

  // The 1:1 conversation of two users, and whether this call created it.
  caf::result<id64, bool> direct(id64 user, id64 peer);

  // Of `among`, those who block `user` (they cannot be added by them).
  caf::result<std::vector<id64>> blockers_of(id64 user, const std::vector<id64>& among);

  caf::result<std::vector<id64>> missing(const std::vector<id64>& users);
  // True if `user` is a current member of `conv`; else no_such_conversation
  // or not_a_member.
  caf::result<bool> may_use(id64 user, id64 conv);

  // Creates a group at seq 1 (its "created" system message), which is
  // returned for fan-out. Fails with no_such_user if a member is unknown.
  caf::result<wire::stored_message> create_group(const group_spec& spec);

  // A conversation, for a current member.
  caf::result<wire::conversation_details> details(id64 user, id64 conv);

  // Who of the current members has received and read message `seq`.
  caf::result<wire::receipt_summary> receipts(id64 user, id64 conv, std::int64_t seq);

  caf::result<sync_page> sync(id64 user, id64 device, id64 conv,
                              std::int64_t after, std::int32_t limit);

  // What a live device may have lost (actors/live_order.hpp): a gap of one
  // conversation, or everything recent after a fault.
  caf::result<sync_page> live_gap(id64 user, id64 device, id64 conv, std::int64_t after,
                                  std::int64_t before, std::int64_t min_ts);
  caf::result<sync_page> live_recovery(id64 user, id64 device,
                                       const std::vector<id64>& conversations,
                                       const std::vector<std::int64_t>& after,
                                       std::int64_t since_ms);

  caf::result<conversation_info> load(id64 conv);

  // --- blocks, privacy and presence (actors/store_presence.cpp)
  // Blocks or unblocks; answers the pair's 1:1 conversation (0: none), whose
  // actor must learn of it.
  caf::result<id64> set_block(id64 blocker, id64 other, bool on);

  caf::result<std::vector<wire::block_row>> blocks(id64 user);

  // no_such_user, blocked (either way), or true.
  caf::result<bool> call_check(id64 caller, id64 callee);

  // Every user coming online starts here. Its two reads (last seen and
  // privacy, then the block list) had a snapshot each under READ COMMITTED
  // in a transaction too, which only added two round trips.
  caf::result<presence_record> load_presence(id64 user);

  caf::result<std::string> privacy_of(id64 user);

  caf::result<bool> set_privacy(id64 user, const std::string& setting);

  caf::result<presence_view> presence_targets(id64 viewer, const std::vector<id64>& users);

  // --- the key directory (actors/store_keys.cpp)
  // Checks and stores an upload in one transaction; the device's unclaimed
  // one-time prekeys after it.
  caf::result<std::int64_t> publish_keys(const key_publication& req);

  caf::result<own_key_status> key_status(id64 device);

  caf::result<claimed_bundles> claim(const key_claim& req);

  // GET /v1/users/{user}/devices, as JSON.
  caf::result<std::string> identities(id64 user);

  // The devices encrypted sends to `users` must address (E2E.md §9).
  caf::result<member_devices> required_devices(const std::vector<id64>& users);

  caf::result<recheck_result> recheck(const send_recheck& req);

  // Deletes up to `limit` envelopes older than `before_ms` whose device
  // acknowledged delivery; how many went.
  caf::result<std::int64_t> sweep_envelopes(std::int64_t before_ms, std::int32_t limit);

  // --- uploads and their collection (actors/store_media.cpp)
  // Records an upload if it fits its owner's quota (checked and recorded in
  // one transaction).
  caf::result<std::int64_t> media_usage(id64 user);

  caf::result<bool> media_put(const media_info& m);

  caf::result<bool> media_delete(const std::string& media_id);

  caf::result<media_info> media_get(const std::string& media_id);

  // Uploads no message references, older than `before_ms`: deleted, and
  // returned so that the collector can remove their content.
  caf::result<std::vector<media_info>> collect_media(std::int64_t before_ms,
                                                     std::int32_t limit);

  caf::result<bool> blob_in_use(const std::string& sha256);

private:
  // Tokens last used before this (unix ms) have expired.
  std::int64_t valid_after() const;

  store_connection& conn_;
  context_ptr ctx_;
};

} // namespace parley
