// The store's queries on conversations: lists, history, direct pairs, groups,
// details, receipts, sync pages and loading a conversation's actor.
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
#include "wire/json_out.hpp"
#include "actors/store_queries.hpp"

namespace parley {

namespace {

constexpr std::size_t sync_page_bytes = 2 * 1024 * 1024;

void add_to_page(sync_page& page, const storage::stored_message& m) {
  page.frames.push_back(wire::message_frame(m));
  page.conversations.push_back(m.conversation);
  page.seqs.push_back(m.seq);
}

} // namespace

caf::result<std::vector<wire::conversation_summary>> store_queries::conversations(id64 user) {
  return conn_.run<pqxx::read_transaction>(
    [&](auto& tx) { return storage::list_conversations(tx, user); });
}

caf::result<std::vector<wire::stored_message>> store_queries::history(id64 user, id64 device,
                                                                  id64 conv,
                                                                  std::int64_t before,
                                                                  std::int32_t limit) {
  return conn_.find(errc::not_a_member,
    [&](auto& tx) -> std::optional<std::vector<storage::stored_message>> {
      auto visible = storage::membership(tx, conv, user);
      if (!visible)
        return std::nullopt;
      return storage::history(tx, conv, user, device, *visible, before, limit);
    });
}

// The 1:1 conversation of two users, and whether this call created it.
caf::result<id64, bool> store_queries::direct(id64 user, id64 peer) {
  // Two tries: the first may lose a creation race (see messages_repo).
  caf::expected<id64> conv{id64{0}};
  id64 new_id = 0;
  for (int attempt = 0; attempt < 2; ++attempt) {
    new_id = ctx_->ids->next();
    conv = conn_.run([&](pqxx::work& tx) -> id64 {
      if (!storage::user_exists(tx, peer))
        return 0;
      return storage::direct_conversation(tx, user, peer, new_id);
    });
    if (conv || conv.error() != make_error(errc::seq_conflict))
      break;
  }
  if (!conv)
    return conv.error();
  if (*conv == 0)
    return make_error(errc::no_such_user);
  return {*conv, *conv == new_id};
}

caf::result<std::vector<id64>> store_queries::blockers_of(id64 user,
                                                         const std::vector<id64>& among) {
  return conn_.run<pqxx::read_transaction>(
    [&](auto& tx) { return storage::blockers_of(tx, user, among); });
}

caf::result<std::vector<id64>> store_queries::missing(const std::vector<id64>& users) {
  return conn_.run<pqxx::read_transaction>(
    [&](auto& tx) { return storage::missing_users(tx, users); });
}

caf::result<bool> store_queries::may_use(id64 user, id64 conv) {
  auto access = conn_.run<pqxx::read_transaction>(
    [&](auto& tx) { return storage::access_to(tx, conv, user); });
  if (!access)
    return access.error();
  switch (*access) {
    case storage::conversation_access::no_such_conversation:
      return make_error(errc::no_such_conversation);
    case storage::conversation_access::not_a_member:
      return make_error(errc::not_a_member);
    default:
      return true;
  }
}

// Creates a group at seq 1 (its "created" system message), which is
// returned for fan-out. Fails with no_such_user if a member is unknown.
caf::result<wire::stored_message> store_queries::create_group(const group_spec& spec) {
  auto conv = ctx_->ids->next();
  wire::stored_message created{ctx_->ids->next(), conv, 1, spec.creator, 0,
                               unix_now_ms(),
                               wire::shared_text{wire::system_body(
                                 "created", spec.creator, spec.members, spec.title)},
                               true, true, {}};
  auto done = conn_.run([&](pqxx::work& tx) -> errc {
    // Holding the creator's row makes two creations at once count in turn.
    storage::lock_user(tx, spec.creator);
    auto day_ago = created.ts - 24 * 3600 * 1000;
    if (ctx_->max_groups_per_day > 0
        && storage::groups_created_since(tx, spec.creator, day_ago) >= ctx_->max_groups_per_day)
      return errc::too_many_groups;
    if (!storage::missing_users(tx, spec.members).empty())
      return errc::no_such_user;
    storage::create_group(tx, conv, spec.creator, spec.title, spec.members, created);
    return errc{};
  });
  if (!done)
    return done.error();
  if (*done != errc{})
    return make_error(*done);
  return created;
}

// A conversation, for a current member.
caf::result<wire::conversation_details> store_queries::details(id64 user, id64 conv) {
  auto d = conn_.find(errc::no_such_conversation,
                [&](auto& tx) { return storage::conversation_details_of(tx, conv); });
  if (!d)
    return d.error();
  auto member = [&](const wire::group_member& m) { return m.user_id == user; };
  if (std::none_of(d->members.begin(), d->members.end(), member))
    return make_error(errc::not_a_member);
  d->conversation_id = conv;
  return std::move(*d);
}

// Who of the current members has received and read message `seq`.
caf::result<wire::receipt_summary> store_queries::receipts(id64 user, id64 conv,
                                                          std::int64_t seq) {
  struct answer {
    id64 sender;
    std::vector<storage::member_receipt> rows;
  };
  auto found = conn_.run<pqxx::read_transaction>([&](auto& tx) -> caf::expected<answer> {
    auto visible = storage::membership(tx, conv, user);
    if (!visible || visible->last != std::numeric_limits<std::int64_t>::max())
      return make_error(errc::not_a_member);
    auto sender = storage::message_sender(tx, conv, seq);
    if (!sender || seq < visible->first)
      return make_error(errc::no_such_message);
    if (*sender != user) // who read what is the sender's to know, as on WhatsApp
      return make_error(errc::not_sender);
    return answer{*sender, storage::message_receipts(tx, conv, seq, *sender)};
  });
  if (!found)
    return found.error();
  if (!*found)
    return found->error();
  wire::receipt_summary out;
  out.conversation_id = conv;
  out.seq = seq;
  out.from = (*found)->sender;
  for (auto& r : (*found)->rows) {
    (r.delivered ? out.delivered : out.pending).push_back(r.user_id);
    if (r.read)
      out.read.push_back(r.user_id);
  }
  return out;
}

caf::result<sync_page> store_queries::sync(id64 user, id64 device, id64 conv,
                            std::int64_t after, std::int32_t limit) {
  // One row more than a page, to know whether there is more.
  auto rows = conn_.find(errc::not_a_member,
    [&](auto& tx) -> std::optional<std::vector<storage::stored_message>> {
      if (conv == 0)
        return storage::undelivered(tx, user, device, limit + 1);
      auto visible = storage::membership(tx, conv, user);
      if (!visible)
        return std::nullopt;
      return storage::messages_after(tx, conv, user, device, *visible, after, limit + 1);
    });
  if (!rows)
    return rows.error();
  // A page ends after `limit` messages or about sync_page_bytes, so that
  // catching up never overflows the connection's send queue.
  sync_page page;
  auto& msgs = *rows;
  std::size_t bytes = 0;
  for (auto& m : msgs) {
    if (page.frames.size() == static_cast<std::size_t>(limit)
        || (!page.frames.empty() && bytes + m.body.size() > sync_page_bytes)) {
      page.more = true;
      break;
    }
    add_to_page(page, m);
    bytes += page.frames.back().size();
  }
  return page;
}

namespace {

// Bounds a live read: a loss is what was in flight when a node died.
constexpr int live_read_limit = 500;
constexpr int live_recent_per_conversation = 200;

sync_page live_page(const std::vector<storage::stored_message>& msgs) {
  sync_page page;
  page.more = msgs.size() >= static_cast<std::size_t>(live_read_limit);
  for (auto& m : msgs)
    add_to_page(page, m);
  return page;
}

} // namespace

caf::result<sync_page> store_queries::live_gap(id64 user, id64 device, id64 conv,
                                               std::int64_t after, std::int64_t before,
                                               std::int64_t min_ts) {
  auto rows = conn_.run<pqxx::read_transaction>([&](auto& tx) {
    return storage::live_gap(tx, conv, user, device, after, before, min_ts, live_read_limit);
  });
  if (!rows)
    return rows.error();
  return live_page(*rows);
}

caf::result<sync_page> store_queries::live_recovery(id64 user, id64 device,
                                                    const std::vector<id64>& conversations,
                                                    const std::vector<std::int64_t>& after,
                                                    std::int64_t since_ms) {
  auto rows = conn_.run<pqxx::read_transaction>([&](auto& tx) {
    return storage::live_recovery(tx, user, device, conversations, after, since_ms,
                                  live_recent_per_conversation, live_read_limit);
  });
  if (!rows)
    return rows.error();
  return live_page(*rows);
}

caf::result<conversation_info> store_queries::load(id64 conv) {
  auto state = conn_.find(errc::no_such_conversation,
                    [&](auto& tx) {
                      return storage::load_conversation(tx, conv,
                                                 static_cast<int>(ctx_->recent_senders));
                    });
  if (!state)
    return state.error();
  conversation_info info{state->kind, state->title, {}, state->last_seq, state->last_ts,
                         {}, {}, {}};
  for (auto& m : state->members)
    info.members.push_back(
      {m.user_id, m.delivered_seq, m.read_seq, m.admin, m.joined_seq, m.took_part});
  for (auto& r : state->recent) {
    info.recent_seqs.push_back(r.seq);
    info.recent_senders.push_back(r.sender);
  }
  info.blockers = state->blockers;
  return info;
}

} // namespace parley
