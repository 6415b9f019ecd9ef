#include "actors/write_batcher.hpp"

#include <algorithm>
#include <chrono>
#include <type_traits>

#include "storage/groups_repo.hpp"
#include "storage/media_repo.hpp"
#include "storage/presence_repo.hpp"
#include "wire/metrics.hpp"

namespace parley {

using namespace std::chrono;

void write_batcher::enqueue(write_job job) {
  batch_.push_back(std::move(job));
  if (batch_.size() >= max_batch_) {
    flush();
  } else if (!flush_pending_) {
    // Goes behind everything already in the mailbox, so the batch holds
    // every write that arrived while the last commit was running.
    flush_pending_ = true;
    schedule_flush_();
  }
}

void write_batcher::flush() {
  flush_pending_ = false;
  if (batch_.empty())
    return;
  auto jobs = std::move(batch_);
  batch_.clear();
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
  auto committed = alone ? conn_.run<pqxx::nontransaction>(write_batch)
                         : conn_.run<pqxx::work>(write_batch);
  if (!committed && committed.error() == make_error(errc::internal)) {
    // One bad write must not sink the others: redo them one by one.
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      auto single = conn_.run([&](pqxx::work& tx) { return apply(tx, jobs[i]); });
      results[i] = single ? *single : caf::expected<persist_result>{single.error()};
    }
    committed = true;
  }
  auto micros = duration_cast<microseconds>(steady_clock::now() - started).count();
  spdlog::debug("{}: batch of {} writes, {} us", conn_.label(), jobs.size(), micros);
  auto& m = wire::metrics::get();
  m.store_batches.fetch_add(1);
  m.store_batch_writes.fetch_add(jobs.size());
  m.store_commit_micros.fetch_add(static_cast<std::uint64_t>(micros));
  for (std::size_t i = 0; i < jobs.size(); ++i)
    answer(jobs[i], committed ? std::move(results[i])
                              : caf::expected<persist_result>{committed.error()});
}

// New messages with no attachments are written by a single INSERT (which
// also marks the senders of first messages); any other write needs a
// transaction around several statements.
bool write_batcher::only_plain_messages(const std::vector<write_job>& jobs) {
  return std::all_of(jobs.begin(), jobs.end(), [](const write_job& job) {
    auto* p = std::get_if<persist_job>(&job);
    return p && p->row.media.empty();
  });
}

// Every message of the batch in one statement: one round trip instead of
// one per message. Other writes run after them, in order; a membership
// change never shares a batch with a later message of its conversation
// (the conversation actor holds sends back until the change committed).
void write_batcher::insert_messages(pqxx::transaction_base& tx, const std::vector<write_job>& jobs,
                            std::vector<caf::expected<persist_result>>& results,
                            storage::insert_mode mode) {
  std::vector<std::size_t> at;
  std::vector<storage::message_to_insert> rows;
  for (std::size_t i = 0; i < jobs.size(); ++i)
    if (auto* p = std::get_if<persist_job>(&jobs[i])) {
      at.push_back(i);
      rows.push_back({&p->row.msg, &p->row.client_id, p->row.withheld,
                      p->row.first_from_sender, &p->row.envelopes});
    }
  if (rows.empty())
    return;
  auto outcomes = storage::insert_messages(tx, rows, mode);
  for (std::size_t k = 0; k < at.size(); ++k)
    results[at[k]] =
      persisted(tx, std::get<persist_job>(jobs[at[k]]), std::move(outcomes[k]));
}

caf::expected<persist_result> write_batcher::persisted(pqxx::transaction_base& tx,
                                               const persist_job& p,
                                               storage::insert_result res) {
  if (res.outcome == storage::insert_outcome::seq_taken)
    return make_error(errc::seq_conflict);
  if (res.outcome == storage::insert_outcome::inserted && !p.row.media.empty())
    storage::reference_media(tx, p.row.media, p.row.msg.conversation, p.row.msg.seq);
  if (res.outcome == storage::insert_outcome::duplicate)
    return persist_result{true, std::move(res.earlier)};
  return persist_result{};
}

caf::expected<persist_result> write_batcher::apply(pqxx::transaction_base& tx,
                                                   const write_job& job) {
  if (auto* p = std::get_if<persist_job>(&job)) {
    auto res = storage::insert_message(tx, p->row.msg, p->row.client_id, p->row.withheld,
                                       p->row.envelopes);
    if (p->row.first_from_sender && res.outcome != storage::insert_outcome::seq_taken)
      storage::mark_took_part(tx, {p->row.msg.conversation}, {p->row.msg.from});
    return persisted(tx, *p, std::move(res));
  }
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

caf::expected<persist_result> write_batcher::apply_membership(pqxx::transaction_base& tx,
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
  return persist_result{};
}

void write_batcher::answer(write_job& job, caf::expected<persist_result> result) {
  std::visit(
    [&](auto& j) {
      using job_type = std::decay_t<decltype(j)>;
      if (!result)
        j.rp.deliver(result.error());
      else if constexpr (std::is_same_v<job_type, persist_job>
                         || std::is_same_v<job_type, membership_job>)
        j.rp.deliver(std::move(*result));
      else
        j.rp.deliver(true);
    },
    job);
}

} // namespace parley
