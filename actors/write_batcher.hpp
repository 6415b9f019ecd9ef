#pragma once
// A store's write batcher: every write that arrives while a commit runs
// goes into the next transaction (up to max_batch), and each is answered
// only once that transaction committed. New messages of a batch are
// inserted by one statement; a batch of nothing but plain new messages is
// that one statement alone. A write that fails is retried alone so that it
// cannot sink the others.
#include <caf/response_promise.hpp>

#include <cstddef>
#include <functional>
#include <variant>
#include <vector>

#include "actors/conversation_messages.hpp"
#include "actors/store_connection.hpp"
#include "storage/messages_repo.hpp"

namespace parley {

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

class write_batcher {
public:
  // `schedule_flush` makes the store call flush() once the writes already
  // in its mailbox have been enqueued (a message to itself).
  write_batcher(store_connection& conn, std::size_t max_batch,
                std::function<void()> schedule_flush)
    : conn_(conn), max_batch_(max_batch), schedule_flush_(std::move(schedule_flush)) {
  }

  void enqueue(write_job job);

  void flush();

private:
  // New messages with no attachments are written by a single INSERT; any
  // other write needs a transaction around several statements.
  static bool only_plain_messages(const std::vector<write_job>& jobs);

  // Every message of the batch in one statement: one round trip instead of
  // one per message. Other writes run after them, in order; a membership
  // change never shares a batch with a later message of its conversation
  // (the conversation actor holds sends back until the change committed).
  static void insert_messages(pqxx::transaction_base& tx, const std::vector<write_job>& jobs,
                              std::vector<caf::expected<persist_result>>& results,
                              storage::insert_mode mode);

  static caf::expected<persist_result> persisted(pqxx::transaction_base& tx,
                                                 const persist_job& p,
                                                 storage::insert_result res);

  caf::expected<persist_result> apply(pqxx::transaction_base& tx, const write_job& job);

  static caf::expected<persist_result> apply_membership(pqxx::transaction_base& tx,
                                                        const membership_record& c);

  static void answer(write_job& job, caf::expected<persist_result> result);


  store_connection& conn_;
  std::size_t max_batch_;
  std::function<void()> schedule_flush_;
  std::vector<write_job> batch_;
  bool flush_pending_ = false;
};

} // namespace parley
