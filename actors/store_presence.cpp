// The store's queries on blocks, privacy settings and presence.
#include <pqxx/pqxx>

#include <algorithm>
#include <limits>

#include "storage/accounts_repo.hpp"
#include "storage/blocks_repo.hpp"
#include "storage/groups_repo.hpp"
#include "storage/media_repo.hpp"
#include "storage/messages_repo.hpp"
#include "storage/presence_repo.hpp"
#include "wire/credentials.hpp"
#include "actors/store_queries.hpp"

namespace parley {

// Blocks or unblocks; answers the pair's 1:1 conversation (0: none), whose
// actor must learn of it.
caf::result<id64> store_queries::set_block(id64 blocker, id64 other, bool on) {
  if (blocker == other)
    return make_error(errc::cannot_block_self);
  auto conv = conn_.run([&](pqxx::work& tx) -> std::optional<id64> {
    if (!storage::user_exists(tx, other))
      return std::nullopt;
    if (on)
      storage::block(tx, blocker, other);
    else
      storage::unblock(tx, blocker, other);
    return storage::find_direct_conversation(tx, blocker, other).value_or(0);
  });
  if (!conv)
    return conv.error();
  if (!*conv)
    return make_error(errc::no_such_user);
  return **conv;
}

// May `caller` call `callee` (../shared/CALLS.md, "Errors")? The callee
// exists and neither blocks the other.
caf::result<bool> store_queries::call_check(id64 caller, id64 callee) {
  auto verdict = conn_.run<pqxx::read_transaction>([&](auto& tx) {
    if (!storage::user_exists(tx, callee))
      return errc::no_such_user;
    if (!storage::blockers_of(tx, caller, {callee}).empty()
        || !storage::blockers_of(tx, callee, {caller}).empty())
      return errc::blocked;
    return errc{};
  });
  if (!verdict)
    return verdict.error();
  if (*verdict != errc{})
    return make_error(*verdict,
                      *verdict == errc::blocked ? "one of you blocks the other: no call"
                                                : "no such user");
  return true;
}

caf::result<std::vector<wire::block_row>> store_queries::blocks(id64 user) {
  return conn_.run<pqxx::read_transaction>(
    [&](auto& tx) { return storage::blocked_by(tx, user); });
}

// Every user coming online starts here. Its two reads (last seen and
// privacy, then the block list) had a snapshot each under READ COMMITTED
// in a transaction too, which only added two round trips.
caf::result<presence_record> store_queries::load_presence(id64 user) {
  auto row = conn_.find<pqxx::nontransaction>(
    errc::no_such_user, [&](auto& tx) { return storage::load_presence(tx, user); });
  if (!row)
    return row.error();
  return presence_record{row->last_seen, row->privacy, row->blocked};
}

caf::result<std::string> store_queries::privacy_of(id64 user) {
  auto row = conn_.find(errc::no_such_user,
                  [&](auto& tx) { return storage::load_presence(tx, user); });
  if (!row)
    return row.error();
  return row->privacy;
}

caf::result<bool> store_queries::set_privacy(id64 user, const std::string& setting) {
  auto done = conn_.run([&](pqxx::work& tx) { return storage::set_privacy(tx, user, setting); });
  if (!done)
    return done.error();
  if (!*done)
    return make_error(errc::no_such_user);
  return true;
}

caf::result<presence_view> store_queries::presence_targets(id64 viewer,
                                                           const std::vector<id64>& users) {
  auto view = conn_.run<pqxx::read_transaction>([&](auto& tx) -> std::optional<presence_view> {
    auto me = storage::load_presence(tx, viewer);
    if (!me)
      return std::nullopt;
    presence_view v{me->privacy, {}};
    for (auto& t : storage::presence_targets(tx, viewer, users))
      v.targets.push_back({t.user, t.contact});
    return v;
  });
  if (!view)
    return view.error();
  if (!*view)
    return make_error(errc::unauthorized);
  return std::move(**view);
}

} // namespace parley
