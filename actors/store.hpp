#pragma once
// The store actor: the only code that blocks on PostgreSQL. Each instance is
// detached (its own thread) and owns one connection. Writes (messages and
// receipt cursors) are batched into one transaction per mailbox drain and
// each is answered only after the commit.
//
// Interface (actors/store.cpp maps each message to one call):
//   queries, one per method of store_queries (actors/store_queries.hpp):
//     signup_atom (the password already hashed), secret_atom (a user's
//     hash, by name or id), login_atom, auth_atom, revoke_atom, lookup_atom,
//     devices_atom, unlink_atom, password_atom, blockers_atom, usage_atom,
//     push_token_atom (set, list), ping_atom; convs_atom, history_atom,
//     direct_atom, exists_atom, group_atom, info_atom, receipts_atom,
//     sync_atom, load_atom; block_atom, blocks_atom, presload_atom,
//     privacy_atom (set, get), targets_atom; media_put_atom, media_del_atom,
//     media_get_atom, gc_atom (collect, blob in use)
//   batched writes (actors/write_batcher.hpp), answered after the commit:
//     (persist_atom, message_record) -> persist_result
//     (members_atom, membership_record) -> persist_result
//     (cursor_atom, receipt_update) -> bool
//     (last_seen_atom, id64 user, int64 ts) -> bool
//   (flush_atom)  to itself: commit what has queued
#include <caf/fwd.hpp>

#include <string>

#include "actors/context.hpp"

namespace parley {

// `name` shows in logs ("store-w0", "store-q1").
caf::actor spawn_store(caf::actor_system& sys, context_ptr ctx, std::string name);

// A round-robin pool of `n` query stores, for reads, logins and sign-ups.
caf::actor spawn_query_pool(caf::actor_system& sys, context_ptr ctx, std::size_t n);

} // namespace parley
