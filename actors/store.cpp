#include "actors/store.hpp"

#include <caf/actor_pool.hpp>
#include <caf/all.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <variant>

#include "actors/messages.hpp"
#include "net/metrics.hpp"
#include "storage/accounts_repo.hpp"
#include "storage/blocks_repo.hpp"
#include "storage/db.hpp"
#include "storage/groups_repo.hpp"
#include "storage/media_repo.hpp"
#include "storage/messages_repo.hpp"
#include "storage/presence_repo.hpp"

namespace parley {

namespace {

using namespace std::chrono;
using json = nlohmann::json;

constexpr std::size_t sync_page_bytes = 2 * 1024 * 1024;

// A write waiting for the next commit.
struct persist_job {
  message_record row;
  caf::response_promise rp;
};
struct cursor_job {
  receipt_update update;
  caf::response_promise rp;
};
struct last_seen_job {
  id64 user;
  std::int64_t ts;
  caf::response_promise rp;
};
struct membership_job {
  membership_record change;
  caf::response_promise rp;
};
using write_job = std::variant<persist_job, cursor_job, last_seen_job, membership_job>;

struct store_state {
  std::unique_ptr<storage::database> db;
  std::vector<write_job> batch;
  bool flush_pending = false;
  // After a failed connect, fail fast until this time instead of making
  // every request wait for a connect timeout.
  steady_clock::time_point retry_connect_at;
  std::string label;
};

// Used to spend the same time on unknown usernames as on wrong passwords.
const std::string& dummy_hash(const credentials::argon2_params& p) {
  static const std::string hash = credentials::hash_password("not a password", p);
  return hash;
}

class store_impl {
public:
  using actor_ptr = caf::stateful_actor<store_state>*;

  store_impl(actor_ptr self, context_ptr ctx) : self_(self), ctx_(std::move(ctx)) {
  }

  // Runs `fn(tx)` in a transaction and maps database failures to errors.
  // (A handler may return it as is: caf::result converts an expected.)
  // A connection that broke while idle (PostgreSQL restarted) is replaced
  // and the work tried once more: nothing was committed on it.
  template <class Tx = pqxx::work, class F>
  auto run(F&& fn) -> caf::expected<decltype(fn(std::declval<Tx&>()))> {
    auto& st = self_->state;
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (steady_clock::now() < st.retry_connect_at)
        return make_error(errc::unavailable);
      bool reused = st.db->holds_connection();
      try {
        Tx tx{st.db->conn()};
        auto result = fn(tx);
        tx.commit();
        return result;
      } catch (const pqxx::in_doubt_error& e) {
        lost_connection(e.what()); // may have committed: the client retries
        return make_error(errc::unavailable);
      } catch (const pqxx::broken_connection& e) {
        if (reused && attempt == 0) {
          st.db->reset();
          continue;
        }
        lost_connection(e.what());
        return make_error(errc::unavailable);
      } catch (const pqxx::unique_violation&) {
        return make_error(errc::seq_conflict); // lost a race: the caller retries
      } catch (const pqxx::sql_error& e) {
        spdlog::error("{}: query failed: {}", st.label, e.what());
        return make_error(errc::internal);
      } catch (const std::exception& e) {
        // Never let a surprise take the store (and its batch) down.
        spdlog::error("{}: unexpected failure: {}", st.label, e.what());
        return make_error(errc::internal);
      }
    }
    return make_error(errc::unavailable);
  }

  // Runs a read that may find nothing (`fn` returns an optional): its value,
  // `missing` when it found nothing, or the database failure. Reads that
  // need no common snapshot pass `pqxx::nontransaction`: each statement
  // then runs alone, without the BEGIN and COMMIT round trips.
  template <class Tx = pqxx::read_transaction, class F>
  auto find(errc missing, F&& fn)
    -> caf::expected<typename decltype(fn(std::declval<Tx&>()))::value_type> {
    auto found = run<Tx>(std::forward<F>(fn));
    if (!found)
      return found.error();
    if (!*found)
      return make_error(missing);
    return std::move(**found);
  }

  void lost_connection(const char* what) {
    auto& st = self_->state;
    spdlog::warn("{}: database unavailable: {}", st.label, what);
    st.db->reset();
    st.retry_connect_at = steady_clock::now() + milliseconds(500);
  }

  caf::result<id64> signup(const std::string& username, const std::string& password) {
    auto hash = credentials::hash_password(password, ctx_->argon2);
    auto user_id = ctx_->ids->next();
    auto created = run([&](pqxx::work& tx) {
      return storage::create_user(tx, user_id, username, hash);
    });
    if (!created)
      return created.error();
    if (!*created)
      return make_error(errc::username_taken);
    return user_id;
  }

  caf::result<login_result> login(const login_request& req) {
    auto creds = run([&](pqxx::work& tx) {
      return storage::find_credentials(tx, req.username);
    });
    if (!creds)
      return creds.error();
    auto& found = *creds;
    auto ok = credentials::verify_password(
      req.password, found ? found->password_hash : dummy_hash(ctx_->argon2));
    if (!found || !ok)
      return make_error(errc::bad_credentials);
    auto user_id = found->user_id;
    auto token = credentials::new_token();
    auto device = run([&](pqxx::work& tx) -> id64 {
      auto device_id = req.device_id;
      if (device_id == 0) {
        device_id = ctx_->ids->next();
        storage::create_device(tx, device_id, user_id, req.device_name);
      } else if (!storage::device_belongs_to(tx, device_id, user_id)) {
        return 0;
      }
      storage::store_token(tx, credentials::token_digest(token), device_id, user_id);
      return device_id;
    });
    if (!device)
      return device.error();
    if (*device == 0)
      return make_error(errc::bad_credentials);
    return login_result{token, user_id, *device};
  }

  caf::result<identity> authenticate(const std::string& token) {
    if (!credentials::looks_like_token(token))
      return make_error(errc::unauthorized);
    // Every connection starts here: one statement, no transaction around it.
    auto owner = find<pqxx::nontransaction>(errc::unauthorized, [&](auto& tx) {
      return storage::token_owner_of(tx, credentials::token_digest(token));
    });
    if (!owner)
      return owner.error();
    return identity{owner->user_id, owner->device_id};
  }

  caf::result<bool> revoke(const std::string& token) {
    return run([&](pqxx::work& tx) {
      return storage::revoke_token(tx, credentials::token_digest(token));
    });
  }

  caf::result<std::string> lookup(const std::string& username) {
    auto user = find(errc::no_such_user,
                     [&](auto& tx) { return storage::find_user(tx, username); });
    if (!user)
      return user.error();
    return json{{"user_id", id_to_string(user->user_id)}, {"username", user->username}}
      .dump();
  }

  caf::result<std::string> conversations(id64 user) {
    auto list = run<pqxx::read_transaction>(
      [&](auto& tx) { return storage::list_conversations(tx, user); });
    if (!list)
      return list.error();
    auto out = json::array();
    for (auto& c : *list) {
      json item{{"conversation_id", id_to_string(c.conversation_id)},
                {"kind", c.kind},
                {"members", wire::ids_json(c.members)},
                {"last_seq", c.last_seq},
                {"unread", c.unread}};
      if (c.kind == "group")
        item["title"] = c.title;
      if (c.peer_id != 0) {
        item["peer"] = id_to_string(c.peer_id);
        item["peer_username"] = c.peer_name;
        item["peer_delivered"] = c.peer_delivered;
        item["peer_read"] = c.peer_read;
      }
      out.push_back(std::move(item));
    }
    return json{{"conversations", std::move(out)}}.dump();
  }

  caf::result<std::string> history(id64 user, id64 conv, std::int64_t before,
                                   std::int32_t limit) {
    auto page = find(errc::not_a_member,
      [&](auto& tx) -> std::optional<std::vector<storage::stored_message>> {
        auto visible = storage::membership(tx, conv, user);
        if (!visible)
          return std::nullopt;
        return storage::history(tx, conv, user, *visible, before, limit);
      });
    if (!page)
      return page.error();
    std::string out = R"({"messages":[)";
    for (std::size_t i = 0; i < page->size(); ++i) {
      if (i > 0)
        out += ',';
      out += wire::message_object((*page)[i]);
    }
    out += "]}";
    return out;
  }

  // The 1:1 conversation of two users, and whether this call created it.
  caf::result<id64, bool> direct(id64 user, id64 peer) {
    // Two tries: the first may lose a creation race (see messages_repo).
    caf::expected<id64> conv{id64{0}};
    id64 new_id = 0;
    for (int attempt = 0; attempt < 2; ++attempt) {
      new_id = ctx_->ids->next();
      conv = run([&](pqxx::work& tx) -> id64 {
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

  // --- groups ------------------------------------------------------------------

  caf::result<std::vector<id64>> missing(const std::vector<id64>& users) {
    auto found = run<pqxx::read_transaction>(
      [&](auto& tx) { return storage::missing_users(tx, users); });
    if (!found)
      return found.error();
    return std::move(*found);
  }

  // Creates a group at seq 1 (its "created" system message), which is
  // returned for fan-out. Fails with no_such_user if a member is unknown.
  caf::result<wire::stored_message> create_group(const group_spec& spec) {
    auto conv = ctx_->ids->next();
    wire::stored_message created{ctx_->ids->next(), conv, 1, spec.creator, 0,
                                 unix_now_ms(),
                                 wire::system_body("created", spec.creator, spec.members,
                                                   spec.title),
                                 true};
    auto done = run([&](pqxx::work& tx) {
      if (!storage::missing_users(tx, spec.members).empty())
        return false;
      storage::create_group(tx, conv, spec.creator, spec.title, spec.members, created);
      return true;
    });
    if (!done)
      return done.error();
    if (!*done)
      return make_error(errc::no_such_user);
    return created;
  }

  // {conversation_id, kind, title?, created_by?, created_at, members,
  //  admins, last_seq}, for a current member.
  caf::result<std::string> details(id64 user, id64 conv) {
    auto d = find(errc::no_such_conversation,
                  [&](auto& tx) { return storage::conversation_details_of(tx, conv); });
    if (!d)
      return d.error();
    std::vector<id64> members;
    std::vector<id64> admins;
    for (auto& m : d->members) {
      members.push_back(m.user_id);
      if (m.admin)
        admins.push_back(m.user_id);
    }
    if (std::find(members.begin(), members.end(), user) == members.end())
      return make_error(errc::not_a_member);
    json out{{"conversation_id", id_to_string(conv)},
             {"kind", d->kind},
             {"created_at", d->created_at},
             {"members", wire::ids_json(members)},
             {"admins", wire::ids_json(admins)},
             {"last_seq", d->last_seq}};
    if (d->kind == "group") {
      out["title"] = d->title;
      out["created_by"] = id_to_string(d->created_by);
    }
    return out.dump();
  }

  // Who of the current members has received and read message `seq`.
  caf::result<std::string> receipts(id64 user, id64 conv, std::int64_t seq) {
    struct answer {
      id64 sender;
      std::vector<storage::member_receipt> rows;
    };
    auto found = run<pqxx::read_transaction>([&](auto& tx) -> caf::expected<answer> {
      auto visible = storage::membership(tx, conv, user);
      if (!visible || visible->last != std::numeric_limits<std::int64_t>::max())
        return make_error(errc::not_a_member);
      auto sender = storage::message_sender(tx, conv, seq);
      if (!sender || seq < visible->first)
        return make_error(errc::no_such_message);
      return answer{*sender, storage::message_receipts(tx, conv, seq, *sender)};
    });
    if (!found)
      return found.error();
    if (!*found)
      return found->error();
    std::vector<id64> delivered, read, pending;
    for (auto& r : (*found)->rows) {
      if (r.delivered)
        delivered.push_back(r.user_id);
      else
        pending.push_back(r.user_id);
      if (r.read)
        read.push_back(r.user_id);
    }
    return json{{"conversation_id", id_to_string(conv)},
                {"seq", seq},
                {"from", id_to_string((*found)->sender)},
                {"delivered", wire::ids_json(delivered)},
                {"read", wire::ids_json(read)},
                {"pending", wire::ids_json(pending)}}
      .dump();
  }

  // --- blocks ------------------------------------------------------------------

  // Blocks or unblocks; answers the pair's 1:1 conversation (0: none), whose
  // actor must learn of it.
  caf::result<id64> set_block(id64 blocker, id64 other, bool on) {
    if (blocker == other)
      return make_error(errc::cannot_block_self);
    auto conv = run([&](pqxx::work& tx) -> std::optional<id64> {
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

  caf::result<std::string> blocks(id64 user) {
    auto rows = run<pqxx::read_transaction>(
      [&](auto& tx) { return storage::blocked_by(tx, user); });
    if (!rows)
      return rows.error();
    auto out = json::array();
    for (auto& b : *rows)
      out.push_back({{"user_id", id_to_string(b.user_id)},
                     {"username", b.username},
                     {"since", b.since}});
    return json{{"blocks", std::move(out)}}.dump();
  }

  // --- presence ----------------------------------------------------------------

  // Every user coming online starts here. Its two reads (last seen and
  // privacy, then the block list) had a snapshot each under READ COMMITTED
  // in a transaction too, which only added two round trips.
  caf::result<presence_record> load_presence(id64 user) {
    auto row = find<pqxx::nontransaction>(
      errc::no_such_user, [&](auto& tx) { return storage::load_presence(tx, user); });
    if (!row)
      return row.error();
    return presence_record{row->last_seen, row->privacy, row->blocked};
  }

  caf::result<std::string> privacy_of(id64 user) {
    auto row = find(errc::no_such_user,
                    [&](auto& tx) { return storage::load_presence(tx, user); });
    if (!row)
      return row.error();
    return row->privacy;
  }

  caf::result<bool> set_privacy(id64 user, const std::string& setting) {
    auto done = run([&](pqxx::work& tx) { return storage::set_privacy(tx, user, setting); });
    if (!done)
      return done.error();
    if (!*done)
      return make_error(errc::no_such_user);
    return true;
  }

  caf::result<presence_view> presence_targets(id64 viewer, const std::vector<id64>& users) {
    auto view = run<pqxx::read_transaction>([&](auto& tx) -> std::optional<presence_view> {
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

  caf::result<sync_page> sync(id64 user, id64 device, id64 conv,
                              std::int64_t after, std::int32_t limit) {
    // One row more than a page, to know whether there is more.
    auto rows = find(errc::not_a_member,
      [&](auto& tx) -> std::optional<std::vector<storage::stored_message>> {
        if (conv == 0)
          return storage::undelivered(tx, user, device, limit + 1);
        auto visible = storage::membership(tx, conv, user);
        if (!visible)
          return std::nullopt;
        return storage::messages_after(tx, conv, user, *visible, after, limit + 1);
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
      page.frames.push_back(wire::message_frame(m));
      page.conversations.push_back(m.conversation);
      page.seqs.push_back(m.seq);
      bytes += page.frames.back().size();
    }
    return page;
  }

  caf::result<conversation_info> load(id64 conv) {
    auto state = find(errc::no_such_conversation,
                      [&](auto& tx) {
                        return storage::load_conversation(tx, conv,
                                                   static_cast<int>(ctx_->recent_senders));
                      });
    if (!state)
      return state.error();
    conversation_info info{state->kind, state->title, {}, state->last_seq, {}, {}, {}};
    for (auto& m : state->members)
      info.members.push_back(
        {m.user_id, m.delivered_seq, m.read_seq, m.admin, m.joined_seq});
    for (auto& r : state->recent) {
      info.recent_seqs.push_back(r.seq);
      info.recent_senders.push_back(r.sender);
    }
    info.blockers = state->blockers;
    return info;
  }

  // Records an upload if it fits its owner's quota (checked and recorded in
  // one transaction).
  caf::result<bool> media_put(const media_info& m) {
    auto fits = run([&](pqxx::work& tx) {
      if (storage::media_usage(tx, m.owner) + m.size > ctx_->media_quota_bytes)
        return false;
      storage::insert_media(tx, {m.media_id, m.owner, m.size, m.sha256, m.content_type});
      return true;
    });
    if (!fits)
      return fits.error();
    if (!*fits)
      return make_error(errc::quota_exceeded);
    return true;
  }

  caf::result<bool> media_delete(const std::string& media_id) {
    return run([&](pqxx::work& tx) {
      storage::delete_media(tx, media_id);
      return true;
    });
  }

  caf::result<media_info> media_get(const std::string& media_id) {
    auto row = find(errc::no_such_media,
                    [&](auto& tx) { return storage::find_media(tx, media_id); });
    if (!row)
      return row.error();
    auto& m = *row;
    return media_info{m.media_id, m.owner, m.size, m.sha256, m.content_type};
  }

  // Uploads no message references, older than `before_ms`: deleted, and
  // returned so that the collector can remove their content.
  caf::result<std::vector<media_info>> collect_media(std::int64_t before_ms,
                                                     std::int32_t limit) {
    auto rows = run([&](pqxx::work& tx) { return storage::collect_media(tx, before_ms, limit); });
    if (!rows)
      return rows.error();
    std::vector<media_info> out;
    for (auto& r : *rows)
      out.push_back({r.media_id, 0, r.size, r.sha256, {}});
    return out;
  }

  caf::result<bool> blob_in_use(const std::string& sha256) {
    return run<pqxx::read_transaction>(
      [&](auto& tx) { return storage::blob_in_use(tx, sha256); });
  }

  caf::result<bool> set_push_token(id64 device, const std::string& token) {
    return run([&](pqxx::work& tx) {
      storage::set_push_token(tx, device, token);
      return true;
    });
  }

  caf::result<std::vector<std::string>> push_tokens(id64 user) {
    return run<pqxx::read_transaction>(
      [&](auto& tx) { return storage::push_tokens(tx, user); });
  }

  caf::result<bool> ping() {
    return run<pqxx::read_transaction>(
      [&](auto& tx) { return !tx.exec_prepared("ping").empty(); });
  }

  // --- batched writes ------------------------------------------------------

  void enqueue(write_job job) {
    auto& st = self_->state;
    st.batch.push_back(std::move(job));
    if (st.batch.size() >= ctx_->max_batch) {
      flush();
    } else if (!st.flush_pending) {
      // Goes behind everything already in the mailbox, so the batch holds
      // every write that arrived while the last commit was running.
      st.flush_pending = true;
      self_->send(self_, flush_atom::value);
    }
  }

  void flush() {
    auto& st = self_->state;
    st.flush_pending = false;
    if (st.batch.empty())
      return;
    auto jobs = std::move(st.batch);
    st.batch.clear();
    auto started = steady_clock::now();
    std::vector<caf::expected<persist_result>> results(jobs.size(), persist_result{});
    bool alone = only_plain_messages(jobs);
    auto write_batch = [&](pqxx::transaction_base& tx) {
      insert_messages(tx, jobs, results,
                      alone ? storage::insert_mode::optimistic : storage::insert_mode::checked);
      for (std::size_t i = 0; i < jobs.size(); ++i)
        if (!std::holds_alternative<persist_job>(jobs[i]))
          results[i] = apply(tx, jobs[i]);
      return true;
    };
    // A batch of plain new messages is one statement, which is its own
    // transaction: PostgreSQL commits it before it answers, so one round
    // trip instead of three (BEGIN, INSERT, COMMIT). Redone after a broken
    // connection, it is still exactly once: the insert is idempotent by
    // client id. Anything else needs a transaction around its statements.
    auto committed = alone ? run<pqxx::nontransaction>(write_batch)
                           : run<pqxx::work>(write_batch);
    if (!committed && committed.error() == make_error(errc::internal)) {
      // One bad write must not sink the others: redo them one by one.
      for (std::size_t i = 0; i < jobs.size(); ++i) {
        auto single = run([&](pqxx::work& tx) { return apply(tx, jobs[i]); });
        results[i] = single ? *single : caf::expected<persist_result>{single.error()};
      }
      committed = true;
    }
    auto micros = duration_cast<microseconds>(steady_clock::now() - started).count();
    spdlog::debug("{}: batch of {} writes, {} us", st.label, jobs.size(), micros);
    auto& m = net::metrics::get();
    m.store_batches.fetch_add(1);
    m.store_batch_writes.fetch_add(jobs.size());
    m.store_commit_micros.fetch_add(static_cast<std::uint64_t>(micros));
    for (std::size_t i = 0; i < jobs.size(); ++i)
      answer(jobs[i],
             committed ? results[i] : caf::expected<persist_result>{committed.error()});
  }

private:
  // New messages with no attachments are written by a single INSERT; any
  // other write needs a transaction around several statements.
  static bool only_plain_messages(const std::vector<write_job>& jobs) {
    return std::all_of(jobs.begin(), jobs.end(), [](const write_job& job) {
      auto* p = std::get_if<persist_job>(&job);
      return p && p->row.media.empty();
    });
  }

  // Every message of the batch in one statement: one round trip instead of
  // one per message. Other writes run after them, in order; a membership
  // change never shares a batch with a later message of its conversation
  // (the conversation actor holds sends back until the change committed).
  static void insert_messages(pqxx::transaction_base& tx, const std::vector<write_job>& jobs,
                              std::vector<caf::expected<persist_result>>& results,
                              storage::insert_mode mode) {
    std::vector<std::size_t> at;
    std::vector<storage::message_to_insert> rows;
    for (std::size_t i = 0; i < jobs.size(); ++i)
      if (auto* p = std::get_if<persist_job>(&jobs[i])) {
        at.push_back(i);
        rows.push_back({&p->row.msg, &p->row.client_id, p->row.withheld});
      }
    if (rows.empty())
      return;
    auto outcomes = storage::insert_messages(tx, rows, mode);
    for (std::size_t k = 0; k < at.size(); ++k)
      results[at[k]] =
        persisted(tx, std::get<persist_job>(jobs[at[k]]), std::move(outcomes[k]));
  }

  static caf::expected<persist_result> persisted(pqxx::transaction_base& tx,
                                                 const persist_job& p,
                                                 storage::insert_result res) {
    if (res.outcome == storage::insert_outcome::seq_taken)
      return make_error(errc::seq_conflict);
    if (res.outcome == storage::insert_outcome::inserted && !p.row.media.empty())
      storage::reference_media(tx, p.row.media, res.stored.conversation, res.stored.seq);
    return persist_result{std::move(res.stored),
                          res.outcome == storage::insert_outcome::duplicate};
  }

  caf::expected<persist_result> apply(pqxx::transaction_base& tx, const write_job& job) {
    if (auto* p = std::get_if<persist_job>(&job))
      return persisted(tx, *p,
                       storage::insert_message(tx, p->row.msg, p->row.client_id,
                                               p->row.withheld));
    if (auto* c = std::get_if<cursor_job>(&job)) {
      auto& u = c->update;
      storage::advance_cursors(tx, u.conversation, u.user, u.device, u.read, u.up_to);
      return persist_result{};
    }
    if (auto* l = std::get_if<last_seen_job>(&job)) {
      storage::store_last_seen(tx, l->user, l->ts);
      return persist_result{};
    }
    return apply_membership(tx, std::get<membership_job>(job).change);
  }

  static caf::expected<persist_result> apply_membership(pqxx::transaction_base& tx,
                                                        const membership_record& c) {
    auto& m = c.message.msg;
    auto res = storage::insert_message(tx, m, c.message.client_id);
    if (res.outcome == storage::insert_outcome::seq_taken)
      return make_error(errc::seq_conflict);
    for (auto user : c.added)
      storage::join_group(tx, m.conversation, user, false, m.seq);
    for (auto user : c.removed)
      storage::leave_group(tx, m.conversation, user, m.seq);
    for (auto user : c.new_admins)
      storage::make_admin(tx, m.conversation, user);
    return persist_result{std::move(res.stored), false};
  }

  static void answer(write_job& job, const caf::expected<persist_result>& result) {
    std::visit(
      [&](auto& j) {
        using job_type = std::decay_t<decltype(j)>;
        if (!result)
          j.rp.deliver(result.error());
        else if constexpr (std::is_same_v<job_type, persist_job>
                           || std::is_same_v<job_type, membership_job>)
          j.rp.deliver(*result);
        else
          j.rp.deliver(true);
      },
      job);
  }

  actor_ptr self_;
  context_ptr ctx_;
};

caf::behavior store_actor(caf::stateful_actor<store_state>* self, context_ptr ctx,
                          std::string name) {
  self->state.label = std::move(name);
  self->state.db = std::make_unique<storage::database>(ctx->db_url);
  auto impl = std::make_shared<store_impl>(self, ctx);
  return {
    [=](signup_atom, const std::string& username, const std::string& password) {
      return impl->signup(username, password);
    },
    [=](login_atom, const login_request& req) { return impl->login(req); },
    [=](auth_atom, const std::string& token) { return impl->authenticate(token); },
    [=](revoke_atom, const std::string& token) { return impl->revoke(token); },
    [=](lookup_atom, const std::string& username) { return impl->lookup(username); },
    [=](convs_atom, id64 user) { return impl->conversations(user); },
    [=](history_atom, id64 user, id64 conv, std::int64_t before,
        std::int32_t limit) { return impl->history(user, conv, before, limit); },
    [=](direct_atom, id64 user, id64 peer) { return impl->direct(user, peer); },
    [=](exists_atom, const std::vector<id64>& users) { return impl->missing(users); },
    [=](group_atom, const group_spec& spec) { return impl->create_group(spec); },
    [=](info_atom, id64 user, id64 conv) { return impl->details(user, conv); },
    [=](receipts_atom, id64 user, id64 conv, std::int64_t seq) {
      return impl->receipts(user, conv, seq);
    },
    [=](presload_atom, id64 user) { return impl->load_presence(user); },
    [=](block_atom, id64 blocker, id64 other, bool on) {
      return impl->set_block(blocker, other, on);
    },
    [=](blocks_atom, id64 user) { return impl->blocks(user); },
    [=](privacy_atom, id64 user, const std::string& setting) {
      return impl->set_privacy(user, setting);
    },
    [=](privacy_atom, id64 user) { return impl->privacy_of(user); },
    [=](targets_atom, id64 viewer, const std::vector<id64>& users) {
      return impl->presence_targets(viewer, users);
    },
    [=](sync_atom, id64 user, id64 device, id64 conv, std::int64_t after,
        std::int32_t limit) { return impl->sync(user, device, conv, after, limit); },
    [=](load_atom, id64 conv) { return impl->load(conv); },
    [=](ping_atom) { return impl->ping(); },
    [=](media_put_atom, const media_info& m) { return impl->media_put(m); },
    [=](media_del_atom, const std::string& id) { return impl->media_delete(id); },
    [=](media_get_atom, const std::string& id) { return impl->media_get(id); },
    [=](gc_atom, std::int64_t before_ms, std::int32_t limit) {
      return impl->collect_media(before_ms, limit);
    },
    [=](gc_atom, const std::string& sha256) { return impl->blob_in_use(sha256); },
    [=](push_token_atom, id64 device, const std::string& token) {
      return impl->set_push_token(device, token);
    },
    [=](push_token_atom, id64 user) { return impl->push_tokens(user); },
    [=](persist_atom, const message_record& row) {
      impl->enqueue(persist_job{row, self->make_response_promise()});
    },
    [=](cursor_atom, const receipt_update& update) {
      impl->enqueue(cursor_job{update, self->make_response_promise()});
    },
    [=](last_seen_atom, id64 user, std::int64_t ts) {
      impl->enqueue(last_seen_job{user, ts, self->make_response_promise()});
    },
    [=](members_atom, const membership_record& change) {
      impl->enqueue(membership_job{change, self->make_response_promise()});
    },
    [=](flush_atom) { impl->flush(); },
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
  return caf::actor_pool::make(sys.dummy_execution_unit(), n, factory,
                               caf::actor_pool::round_robin());
}

} // namespace parley
