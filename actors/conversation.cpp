#include "actors/conversation.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "actors/atoms.hpp"
#include "actors/conversation_state.hpp"
#include "actors/delivery_messages.hpp"
#include "actors/errors.hpp"

namespace parley {

namespace conv {

// Runs `ok` once members and the last seq are known, (re)reading them from
// PostgreSQL first if needed. The read goes through this conversation's
// write store, so it sees every write queued there before it. The seq only
// ever moves up: a conversation never reuses a seq it handed out.
void after_load(conv_ptr self, std::function<void()> ok,
                std::function<void(const caf::error&)> fail) {
  auto& st = self->state;
  if (st.loaded) {
    ok();
    return;
  }
  st.on_loaded.push_back(std::move(ok));
  st.on_load_failed.push_back(std::move(fail));
  if (st.loading)
    return;
  st.loading = true;
  self->request(st.store, st.ctx->store_timeout, load_atom::value, st.id)
    .then(
      [=](conversation_info& info) {
        auto& st = self->state;
        st.loading = false;
        st.loaded = true;
        if (info.last_seq + 1 >= st.next_seq)
          st.last_ts = std::max(st.last_ts, info.last_ts);
        st.next_seq = std::max(st.next_seq, info.last_seq + 1);
        st.info = std::move(info);
        forget_devices(self); // the members may have changed
        st.recent.reset(st.info.recent_seqs, st.info.recent_senders, st.next_seq);
        st.info.recent_seqs.clear();
        st.info.recent_senders.clear();
        auto waiting = std::move(st.on_loaded);
        st.on_loaded.clear();
        st.on_load_failed.clear();
        for (auto& fn : waiting)
          fn();
      },
      [=](caf::error& err) {
        auto& st = self->state;
        st.loading = false;
        auto waiting = std::move(st.on_load_failed);
        st.on_loaded.clear();
        st.on_load_failed.clear();
        for (auto& fn : waiting)
          fn(err);
        if (err == make_error(errc::no_such_conversation))
          self->quit();
      });
}

// Let it crash: without its store a conversation cannot commit. The
// sessions waiting on it see it go down and reissue their sends through the
// directory, which by then has a fresh store for a fresh conversation.
void on_store_lost(conv_ptr self, const caf::error& reason) {
  spdlog::warn("conversation {}: store lost ({}), exiting", self->state.id,
               self->system().render(reason));
  self->quit(reason);
}

} // namespace conv

namespace {

using namespace conv;

// The store is asked without a CAF request timeout (see
// actors/deadlines.hpp): one sweep per store_timeout/4 answers the overdue
// sends with a timeout, which the client sees as `unavailable`.
void arm_persist_deadlines(conv_ptr self) {
  self->state.persist_deadlines.arm(self, self->state.ctx->store_timeout / 4);
}

std::uint64_t await_store(conv_ptr self, caf::response_promise rp) {
  auto& st = self->state;
  auto token = st.next_token++;
  st.awaiting.emplace(token, awaiting_store{steady_clock::now() + st.ctx->store_timeout,
                                            std::move(rp)});
  arm_persist_deadlines(self);
  return token;
}

// The promise of a send still waiting; none if it was already answered
// with a timeout (a late commit is still fanned out: it is stored).
std::optional<caf::response_promise> take_promise(conv_ptr self, std::uint64_t token) {
  auto& st = self->state;
  auto it = st.awaiting.find(token);
  if (it == st.awaiting.end())
    return std::nullopt;
  auto rp = std::move(it->second.rp);
  st.awaiting.erase(it);
  return rp;
}

void fail_overdue_persists(conv_ptr self) {
  self->state.persist_deadlines.sweep(self, self->state.awaiting, [=](std::uint64_t token) {
    take_promise(self, token)->deliver(make_error(caf::sec::request_timeout));
  });
}

// The store marked `user`'s first message: they and everyone else here who
// took part are contacts now, which last-seen privacy may change.
void took_part(conv_ptr self, id64 user) {
  auto& st = self->state;
  auto* member = find_member(st.info.members, user);
  if (!member || member->took_part)
    return;
  member->took_part = true;
  std::vector<id64> affected{user};
  for (auto& other : st.info.members)
    if (other.took_part && other.user_id != user)
      affected.push_back(other.user_id);
  if (affected.size() > 1)
    self->send(st.directory, contacts_atom::value, std::move(affected));
}

} // namespace

namespace conv {

void persist(conv_ptr self, pending_send ps) {
  auto& st = self->state;
  if (!st.loaded) {
    auto rp = ps.rp;
    after_load(
      self, [=]() mutable { persist(self, std::move(ps)); },
      [=](const caf::error& err) mutable { rp.deliver(err); });
    return;
  }
  if (st.changing_members || st.devices_busy) {
    st.after_change.push_back([=]() mutable { persist(self, std::move(ps)); });
    return;
  }
  auto* sender = find_member(st.info.members, ps.msg.sender);
  if (!sender) {
    ps.rp.deliver(make_error(errc::not_a_member));
    return;
  }
  bool by_server = ps.msg.system;
  if (!by_server && blocks(st.info, ps.msg.sender)) {
    ps.rp.deliver(make_error(errc::blocked));
    return;
  }
  if (!by_server && needs_device_check(ps))
    return check_devices(self, std::move(ps));
  auto at = next_stamp(st);
  message_record row{{st.ctx->ids->next(), st.id, at.seq, ps.msg.sender,
                      ps.msg.sender_device, at.ts, ps.msg.body, by_server, ps.msg.has_body},
                     ps.msg.client_id, !by_server && withheld_from_peer(st.info, ps.msg.sender),
                     ps.msg.media, ps.msg.envelopes, !by_server && !sender->took_part};
  ++st.in_flight;
  auto token = await_store(self, ps.rp);
  self->request(st.store, caf::infinite, persist_atom::value, row)
    .then(
      [=](persist_result& result) mutable {
        auto& st = self->state;
        --st.in_flight;
        // A new message is the row sent; a retried client id's is the one
        // its first attempt stored.
        const auto& m = result.duplicate ? result.earlier : row.msg;
        auto prev_ts = result.duplicate ? wire::unknown_prev_ts : at.prev_ts;
        st.recent.remember(m.seq, m.from);
        st.typing.forget(m.from); // a message ends "typing"
        if (row.first_from_sender)
          took_part(self, m.from);
        // Fanned out even when it is a retry of a stored message: its first
        // fan-out may have died with the actor that was doing it.
        if (row.withheld)
          fan_out_to(self, m, {m.from}, prev_ts, row.envelopes);
        else
          fan_out(self, m, prev_ts, row.envelopes);
        if (auto rp = take_promise(self, token))
          rp->deliver(ack_info{m.msg_id, m.conversation, m.seq, m.ts, result.duplicate});
      },
      [=](caf::error& err) mutable {
        auto& st = self->state;
        --st.in_flight;
        if (err == caf::sec::request_receiver_down)
          return on_store_lost(self, err);
        auto rp = take_promise(self, token);
        if (!rp)
          return; // already answered with a timeout; the client retries
        if (err != make_error(errc::seq_conflict) || ++ps.attempt >= max_attempts) {
          // Unavailable: the client retries with the same id.
          rp->deliver(err);
          return;
        }
        // Another owner took this seq: re-read the last committed seq
        // (through the store, so after every write queued there) and retry.
        spdlog::debug("conversation {}: seq {} taken, reloading", st.id, row.msg.seq);
        st.loaded = false;
        ps.rp = std::move(*rp);
        persist(self, std::move(ps));
      });
}

} // namespace conv

namespace {

// A promise answered by `handle(promise)` once members are known, or with
// the error that kept them from loading.
template <class Handler>
caf::response_promise answer_when_loaded(conv_ptr self, Handler handle) {
  auto rp = self->make_response_promise();
  after_load(
    self, [=] { handle(rp); }, [=](const caf::error& err) mutable { rp.deliver(err); });
  return rp;
}

bool holds_work(const conversation_state& st) {
  return st.in_flight > 0 || st.loading || st.changing_members;
}

void check_idle(conv_ptr self) {
  auto& st = self->state;
  auto idle = steady_clock::now() - st.last_active;
  if (idle >= st.ctx->conversation_idle && !holds_work(st) && st.typing.empty()) {
    self->request(st.directory, st.ctx->store_timeout, retire_atom::value, st.id)
      .then([=](bool) { self->quit(); }, [=](caf::error&) { self->quit(); });
    return;
  }
  self->delayed_send(self, st.ctx->conversation_idle / 2, tick_atom::value);
}

// Leaves once nothing it accepted is still in flight; checked again every
// 20 ms meanwhile (only ever while moving, so no timer in the common case).
void leave_when_done(conv_ptr self) {
  auto& st = self->state;
  st.leaving = true;
  if (!holds_work(st)) {
    spdlog::debug("conversation {}: moved to another node", st.id);
    self->quit();
    return;
  }
  self->delayed_send(self, milliseconds(20), rehome_atom::value);
}

// New work for a conversation that is leaving: refused as if this actor
// were already gone, so that sessions ask the directory again (a session
// reissues a send whose actor went down; idempotent by client id).
caf::error moved_away() {
  return caf::sec::request_receiver_down;
}

caf::behavior conversation(conv_ptr self, context_ptr ctx, caf::actor directory,
                           caf::actor store, id64 id, caf::actor reads) {
  auto& st = self->state;
  st.ctx = ctx;
  st.directory = std::move(directory);
  st.store = std::move(store);
  st.reads = reads ? std::move(reads) : st.store;
  st.id = id;
  st.recent = recent_senders{ctx->recent_senders};
  st.typing = typing_tracker{ctx->typing_ttl};
  self->monitor(st.store);
  self->set_down_handler([=](caf::down_msg& dm) {
    if (dm.source == self->state.store.address())
      on_store_lost(self, dm.reason);
    else
      forget_route(self, dm.source);
  });
  self->delayed_send(self, ctx->conversation_idle / 2, tick_atom::value);
  auto touch = [=] { self->state.last_active = steady_clock::now(); };
  return {
    [=](send_atom, outgoing_message& msg) -> caf::result<ack_info> {
      if (self->state.leaving)
        return moved_away();
      touch();
      auto rp = self->make_response_promise<ack_info>();
      persist(self, {std::move(msg), rp});
      return rp;
    },
    [=](receipt_atom, receipt_update& update) {
      touch();
      return answer_when_loaded(self, [=](caf::response_promise rp) {
        receipt(self, update, std::move(rp));
      });
    },
    [=](typing_atom, id64 user) {
      touch();
      return answer_when_loaded(self, [=](caf::response_promise rp) {
        typing(self, user, std::move(rp));
      });
    },
    [=](members_atom, membership_change& change) -> caf::result<ack_info> {
      if (self->state.leaving)
        return moved_away();
      touch();
      auto rp = self->make_response_promise<ack_info>();
      change_members(self, std::move(change), rp);
      return rp;
    },
    [=](typing_atom) { expire_typing(self); },
    // Someone in this 1:1 blocked or unblocked the other: read it afresh
    // before the next message.
    [=](block_atom) {
      if (!self->state.loading)
        self->state.loaded = false;
      return true;
    },
    [=](devchange_atom, id64) { forget_devices(self); },
    [=](tick_atom) { check_idle(self); },
    [=](deadline_atom) { fail_overdue_persists(self); },
    [=](rehome_atom) { leave_when_done(self); },
  };
}

} // namespace

caf::actor spawn_conversation(caf::actor_system& sys, context_ptr ctx,
                              caf::actor directory, caf::actor store, id64 conv,
                              caf::actor reads) {
  return sys.spawn(conversation, std::move(ctx), std::move(directory),
                   std::move(store), conv, std::move(reads));
}

caf::actor spawn_conversation(caf::actor_system& sys, context_ptr ctx,
                              caf::actor directory, caf::actor store, id64 conv) {
  return spawn_conversation(sys, std::move(ctx), std::move(directory), std::move(store), conv,
                            caf::actor{});
}

} // namespace parley

