#include "actors/store.hpp"

#include <caf/actor_pool.hpp>
#include <caf/all.hpp>

#include <memory>

#include "actors/atoms.hpp"
#include "actors/kept_pool.hpp"
#include "actors/store_queries.hpp"
#include "actors/write_batcher.hpp"

namespace parley {

namespace {

// One connection, the queries that run on it and the batcher of its writes.
struct store_state {
  std::unique_ptr<store_connection> conn;
  std::unique_ptr<store_queries> queries;
  std::unique_ptr<write_batcher> writes;
};

caf::behavior store_actor(caf::stateful_actor<store_state>* self, context_ptr ctx,
                          std::string name) {
  auto& st = self->state;
  st.conn = std::make_unique<store_connection>(ctx->db_url, std::move(name));
  st.queries = std::make_unique<store_queries>(*st.conn, ctx);
  // Goes behind everything already in the mailbox, so that a batch holds
  // every write that arrived while the last commit was running.
  st.writes = std::make_unique<write_batcher>(*st.conn, ctx->max_batch,
                                              [self] { self->send(self, flush_atom::value); });
  auto* queries = st.queries.get();
  auto* writes = st.writes.get();
  return {
    [=](signup_atom, const std::string& username, const std::string& password_hash) {
      return queries->signup(username, password_hash);
    },
    [=](secret_atom, const std::string& username) { return queries->secret_of(username); },
    [=](secret_atom, id64 user) { return queries->secret_of(user); },
    [=](login_atom, const login_request& req) { return queries->login(req); },
    [=](auth_atom, const std::string& token) { return queries->authenticate(token); },
    [=](revoke_atom, const std::string& token) { return queries->revoke(token); },
    [=](devices_atom, id64 user) { return queries->devices(user); },
    [=](unlink_atom, id64 user, id64 device) { return queries->remove_device(user, device); },
    [=](keys_atom, const key_publication& req) { return queries->publish_keys(req); },
    [=](keys_atom, id64 device) { return queries->key_status(device); },
    [=](claim_atom, const key_claim& req) { return queries->claim(req); },
    [=](idents_atom, id64 user) { return queries->identities(user); },
    [=](keys_atom, const std::vector<id64>& users) { return queries->required_devices(users); },
    [=](recheck_atom, const send_recheck& req) { return queries->recheck(req); },
    [=](gc_atom, envelopes_atom, std::int64_t before_ms, std::int32_t limit) {
      return queries->sweep_envelopes(before_ms, limit);
    },
    [=](password_atom, const password_change& req) { return queries->change_password(req); },
    [=](lookup_atom, const std::string& username) { return queries->lookup(username); },
    [=](convs_atom, id64 user) { return queries->conversations(user); },
    [=](history_atom, const identity& who, id64 conv, std::int64_t before,
        std::int32_t limit) {
      return queries->history(who.user_id, who.device_id, conv, before, limit);
    },
    [=](direct_atom, id64 user, id64 peer) { return queries->direct(user, peer); },
    [=](exists_atom, const std::vector<id64>& users) { return queries->missing(users); },
    // Does `conv` exist for `user` (a current member)? Asked before a
    // session has the directory find or spawn the conversation's actor.
    [=](exists_atom, id64 user, id64 conv) { return queries->may_use(user, conv); },
    [=](group_atom, const group_spec& spec) { return queries->create_group(spec); },
    [=](info_atom, id64 user, id64 conv) { return queries->details(user, conv); },
    [=](receipts_atom, id64 user, id64 conv, std::int64_t seq) {
      return queries->receipts(user, conv, seq);
    },
    [=](presload_atom, id64 user) { return queries->load_presence(user); },
    [=](block_atom, id64 blocker, id64 other, bool on) {
      return queries->set_block(blocker, other, on);
    },
    [=](blocks_atom, id64 user) { return queries->blocks(user); },
    [=](callcheck_atom, id64 caller, id64 callee) { return queries->call_check(caller, callee); },
    [=](blockers_atom, id64 user, const std::vector<id64>& among) {
      return queries->blockers_of(user, among);
    },
    [=](privacy_atom, id64 user, const std::string& setting) {
      return queries->set_privacy(user, setting);
    },
    [=](privacy_atom, id64 user) { return queries->privacy_of(user); },
    [=](targets_atom, id64 viewer, const std::vector<id64>& users) {
      return queries->presence_targets(viewer, users);
    },
    [=](sync_atom, id64 user, id64 device, id64 conv, std::int64_t after,
        std::int32_t limit) { return queries->sync(user, device, conv, after, limit); },
    [=](gap_atom, id64 user, id64 device, id64 conv, std::int64_t after,
        std::int64_t before, std::int64_t min_ts) {
      return queries->live_gap(user, device, conv, after, before, min_ts);
    },
    [=](recover_atom, id64 user, id64 device, const std::vector<id64>& conversations,
        const std::vector<std::int64_t>& after, std::int64_t since_ms) {
      return queries->live_recovery(user, device, conversations, after, since_ms);
    },
    [=](load_atom, id64 conv) { return queries->load(conv); },
    [=](ping_atom) { return queries->ping(); },
    [=](media_put_atom, const media_info& m) { return queries->media_put(m); },
    [=](usage_atom, id64 user) { return queries->media_usage(user); },
    [=](media_del_atom, const std::string& id) { return queries->media_delete(id); },
    [=](media_get_atom, const std::string& id) { return queries->media_get(id); },
    [=](gc_atom, std::int64_t before_ms, std::int32_t limit) {
      return queries->collect_media(before_ms, limit);
    },
    [=](gc_atom, const std::string& sha256) { return queries->blob_in_use(sha256); },
    [=](push_token_atom, id64 device, const std::string& token) {
      return queries->set_push_token(device, token);
    },
    [=](push_token_atom, id64 user) { return queries->push_tokens(user); },
    [=](push_token_atom, call_atom, id64 user) { return queries->device_tokens(user); },
    [=](persist_atom, message_record& row) {
      writes->enqueue(persist_job{std::move(row), self->make_response_promise()});
    },
    [=](cursor_atom, const receipt_update& update) {
      writes->enqueue(cursor_job{update, self->make_response_promise()});
    },
    [=](last_seen_atom, id64 user, std::int64_t ts) {
      writes->enqueue(last_seen_job{user, ts, self->make_response_promise()});
    },
    [=](members_atom, membership_record& change) {
      writes->enqueue(membership_job{std::move(change), self->make_response_promise()});
    },
    [=](flush_atom) { writes->flush(); },
  };
}

} // namespace

caf::actor spawn_store(caf::actor_system& sys, context_ptr ctx, std::string name) {
  return sys.spawn<caf::detached>(store_actor, std::move(ctx), std::move(name));
}

caf::actor spawn_query_pool(caf::actor_system& sys, context_ptr ctx, std::size_t n) {
  auto counter = std::make_shared<std::size_t>(0);
  auto factory = [&sys, ctx, counter] {
    return spawn_store(sys, ctx, "store-q" + std::to_string((*counter)++));
  };
  return spawn_kept_pool(sys, n, factory); // a store that dies is replaced
}

} // namespace parley
