#include "actors/conversation.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>
#include <utility>

#include "actors/deadlines.hpp"
#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "actors/conversation_messages.hpp"
#include "actors/delivery_messages.hpp"
#include "actors/group_rules.hpp"
#include "actors/routes.hpp"
#include "actors/typing_tracker.hpp"
#include "wire/json_out.hpp"

namespace parley {

namespace {

using namespace std::chrono;

constexpr int max_attempts = 5;

struct pending_send {
  outgoing_message msg;
  caf::response_promise rp;
  int attempt = 0;
};

// A send waiting for the store's commit: answered with a timeout if the
// store has not answered by `due` (see fail_overdue_persists).
struct awaiting_store {
  steady_clock::time_point due;
  caf::response_promise rp;
};

struct conversation_state {
  context_ptr ctx;
  caf::actor directory;
  caf::actor store;
  id64 id = 0;
  bool loaded = false;
  bool loading = false;
  conversation_info info;
  std::int64_t next_seq = 1;
  // Work that arrived before members and seq were known.
  std::vector<std::function<void()>> on_loaded;
  std::vector<std::function<void(const caf::error&)>> on_load_failed;
  std::size_t in_flight = 0;
  std::unordered_map<std::uint64_t, awaiting_store> awaiting;
  std::uint64_t next_token = 1;
  deadline_timer persist_deadlines;
  steady_clock::time_point last_active = steady_clock::now();
  // One membership change at a time; sends wait behind it, so that nobody
  // sends as a member after the seq that removed them.
  bool changing_members = false;
  std::vector<std::function<void()>> after_change;
  recent_senders recent{0};
  typing_tracker typing{typing_tracker::clock::duration::zero()};
  bool typing_timer = false;
  // The ring moved this conversation to another node: finish what is in
  // flight here, turn new work away (its senders retry at the new home).
  bool leaving = false;
  route_table<caf::actor> routes; // straight to presence actors (fan_out_frame)
  static inline const char* name = "conversation";
};

using conv_ptr = caf::stateful_actor<conversation_state>*;

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
        st.next_seq = std::max(st.next_seq, info.last_seq + 1);
        st.info = std::move(info);
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

// --- fan-out ---------------------------------------------------------------------

// Sends `deliver` (deliver_atom, except_device, frame[, push_note]) to the
// presence actors of `users`. The directory is one actor for the whole node,
// so frames skip it where they can: straight to a presence actor on this
// node that it named before (actors/routes.hpp says when that keeps them in
// order). The rest go through it: users homed on another node, and users
// with no presence actor (no live device: the directory asks for a push).
void fan_out_frame(conv_ptr self, const std::vector<id64>& users, caf::message deliver) {
  auto& st = self->state;
  auto through_directory = st.routes.split(
    users, [&](const caf::actor& presence) { self->send(presence, deliver); });
  if (through_directory.empty())
    return;
  // A presence actor named here is monitored: once it dies (retired, moved
  // to another node, killed), its user's frames go through the directory
  // again, which knows its successor.
  auto learned = [=](const caf::actor& presence) { self->monitor(presence); };
  self->request(st.directory, caf::infinite, route_atom::value, through_directory,
                std::move(deliver))
    .then(
      [=](const std::vector<caf::actor>& found) {
        self->state.routes.answered(through_directory, found, learned);
      },
      [=](caf::error&) { self->state.routes.answered(through_directory, {}, learned); });
}

void forget_route(conv_ptr self, const caf::actor_addr& presence) {
  self->state.routes.forget_if(
    [&](const caf::actor& known) { return known.address() == presence; });
}

// The note lets a recipient's presence actor ask for a push notification
// when none of their devices is live.
void fan_out_to(conv_ptr self, const wire::stored_message& m, const std::vector<id64>& users) {
  fan_out_frame(self, users,
                caf::make_message(deliver_atom::value, m.from_device,
                                  wire::shared_text{wire::message_frame(m)},
                                  push_note{m.conversation, m.msg_id, m.seq, m.from, m.ts}));
}

void fan_out(conv_ptr self, const wire::stored_message& m) {
  fan_out_to(self, m, member_ids(self->state.info.members));
}

// Let it crash: without its store a conversation cannot commit. The
// sessions waiting on it see it go down and reissue their sends through the
// directory, which by then has a fresh store for a fresh conversation.
void on_store_lost(conv_ptr self, const caf::error& reason) {
  spdlog::warn("conversation {}: store lost ({}), exiting", self->state.id,
               self->system().render(reason));
  self->quit(reason);
}

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

void persist(conv_ptr self, pending_send ps) {
  auto& st = self->state;
  if (!st.loaded) {
    auto rp = ps.rp;
    after_load(
      self, [=]() mutable { persist(self, std::move(ps)); },
      [=](const caf::error& err) mutable { rp.deliver(err); });
    return;
  }
  if (st.changing_members) {
    st.after_change.push_back([=]() mutable { persist(self, std::move(ps)); });
    return;
  }
  if (!find_member(st.info.members, ps.msg.sender)) {
    ps.rp.deliver(make_error(errc::not_a_member));
    return;
  }
  if (blocks(st.info, ps.msg.sender)) {
    ps.rp.deliver(make_error(errc::blocked));
    return;
  }
  message_record row{{st.ctx->ids->next(), st.id, st.next_seq++, ps.msg.sender,
                      ps.msg.sender_device, unix_now_ms(), ps.msg.body},
                     ps.msg.client_id, withheld_from_peer(st.info, ps.msg.sender), ps.msg.media};
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
        st.recent.remember(m.seq, m.from);
        st.typing.forget(m.from); // a message ends "typing"
        // Fanned out even when it is a retry of a stored message: its first
        // fan-out may have died with the actor that was doing it.
        if (row.withheld)
          fan_out_to(self, m, {m.from});
        else
          fan_out(self, m);
        if (auto rp = take_promise(self, token))
          rp->deliver(ack_info{m.msg_id, m.conversation, m.seq, m.ts});
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

void receipt(conv_ptr self, receipt_update update, caf::response_promise rp) {
  auto& st = self->state;
  if (!find_member(st.info.members, update.user)) {
    rp.deliver(make_error(errc::not_a_member));
    return;
  }
  // Nobody can have received what was never sent.
  update.up_to = std::min(update.up_to, st.next_seq - 1);
  self->request(st.store, st.ctx->store_timeout, cursor_atom::value, update)
    .then(
      [=](bool) mutable {
        auto& st = self->state;
        auto* m = find_member(st.info.members, update.user);
        if (!m) { // reloaded meanwhile without this member
          rp.deliver(true);
          return;
        }
        auto& cursor = update.read ? m->read_seq : m->delivered_seq;
        if (update.up_to > cursor) {
          auto recipients =
            st.recent.receipt_recipients(st.info, update.user, cursor, update.up_to);
          cursor = update.up_to;
          if (update.read)
            m->delivered_seq = std::max(m->delivered_seq, update.up_to);
          auto frame = wire::receipt_notice(st.id, update.user,
                                           update.read ? "read" : "delivered",
                                           update.up_to, unix_now_ms());
          fan_out_frame(self, recipients,
                        caf::make_message(deliver_atom::value, update.device,
                                          wire::shared_text{std::move(frame)}));
        }
        rp.deliver(true);
      },
      [=](caf::error& err) mutable { rp.deliver(err); });
}

void relay_typing(conv_ptr self, id64 user, bool active) {
  auto& st = self->state;
  std::vector<id64> others;
  for (auto& m : st.info.members)
    if (m.user_id != user)
      others.push_back(m.user_id);
  fan_out_frame(self, others,
                caf::make_message(deliver_atom::value, id64{0},
                                  wire::shared_text{
                                    wire::typing_notice(st.id, user, active)}));
}

void arm_typing_timer(conv_ptr self, milliseconds after) {
  auto& st = self->state;
  if (st.typing_timer)
    return;
  st.typing_timer = true;
  self->delayed_send(self, after, typing_atom::value);
}

// Relays the start of typing, and refreshes at half the lifetime so that
// the others' indicators do not lapse while it goes on; frames in between
// are absorbed here.
void typing(conv_ptr self, id64 user, caf::response_promise rp) {
  auto& st = self->state;
  if (!find_member(st.info.members, user)) {
    rp.deliver(make_error(errc::not_a_member));
    return;
  }
  if (!st.info.blockers.empty()) {
    rp.deliver(true); // a 1:1 with a block: typing does not cross it
    return;
  }
  if (st.typing.typed(user, steady_clock::now()))
    relay_typing(self, user, true);
  arm_typing_timer(self, st.ctx->typing_ttl);
  rp.deliver(true);
}

// Typing that was not refreshed in time ends: the others are told.
void expire_typing(conv_ptr self) {
  auto& st = self->state;
  st.typing_timer = false;
  auto now = steady_clock::now();
  for (auto user : st.typing.expire(now))
    relay_typing(self, user, false);
  if (!st.typing.empty())
    arm_typing_timer(self, duration_cast<milliseconds>(st.typing.next_expiry() - now)
                             + milliseconds(1));
}

// --- group membership ---------------------------------------------------------------

// Checks `change` against the current members (actors/group_rules.hpp); on
// success fills `record` with the change and its system message.
caf::error plan_change(conversation_state& st, const membership_change& change,
                       membership_record& record) {
  auto planned = plan_change(st.info, change, st.ctx->max_group_size);
  if (auto* refused = std::get_if<errc>(&planned))
    return make_error(*refused);
  auto& plan = std::get<membership_plan>(planned);
  record.added = std::move(plan.added);
  record.removed = std::move(plan.removed);
  record.new_admins = std::move(plan.new_admins);
  auto id = st.ctx->ids->next();
  record.message = {{id, st.id, st.next_seq++, change.by, 0, unix_now_ms(),
                     wire::shared_text{wire::system_body(plan.event, change.by, change.users,
                                                         {}, record.new_admins)},
                     true},
                    "sys:" + std::to_string(id), false, {}};
  return {};
}

void finish_change(conv_ptr self) {
  auto& st = self->state;
  st.changing_members = false;
  auto held = std::move(st.after_change);
  st.after_change.clear();
  for (auto& fn : held)
    fn(); // a queued change sets changing_members again and holds the rest
}

void run_change(conv_ptr self, membership_change change, caf::response_promise rp,
                int attempt) {
  auto& st = self->state;
  if (!st.loaded) {
    after_load(
      self, [=] { run_change(self, change, rp, attempt); },
      [=](const caf::error& err) mutable {
        rp.deliver(err);
        finish_change(self);
      });
    return;
  }
  membership_record record;
  if (auto err = plan_change(st, change, record)) {
    rp.deliver(err);
    return finish_change(self);
  }
  ++st.in_flight;
  self->request(st.store, st.ctx->store_timeout, members_atom::value, record)
    .then(
      [=](persist_result&) mutable {
        auto& st = self->state;
        --st.in_flight;
        apply_change(st.info.members, record);
        auto& m = record.message.msg;
        st.recent.remember(m.seq, m.from);
        // The removed see their removal (the last message they get), and
        // everyone's contacts changed.
        auto affected = member_ids(st.info.members);
        affected.insert(affected.end(), record.removed.begin(), record.removed.end());
        fan_out_to(self, m, affected);
        self->send(st.directory, contacts_atom::value, std::move(affected));
        rp.deliver(ack_info{m.msg_id, m.conversation, m.seq, m.ts});
        finish_change(self);
      },
      [=](caf::error& err) mutable {
        auto& st = self->state;
        --st.in_flight;
        if (err == caf::sec::request_receiver_down)
          return on_store_lost(self, err);
        if (err == make_error(errc::seq_conflict) && attempt + 1 < max_attempts) {
          st.loaded = false; // another owner wrote: reload, check again
          return run_change(self, change, rp, attempt + 1);
        }
        rp.deliver(err);
        finish_change(self);
      });
}

// Membership changes run one at a time, in arrival order.
void change_members(conv_ptr self, membership_change change, caf::response_promise rp) {
  auto& st = self->state;
  if (st.changing_members) {
    st.after_change.push_back([=] { change_members(self, change, rp); });
    return;
  }
  st.changing_members = true;
  run_change(self, std::move(change), std::move(rp), 0);
}

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
                           caf::actor store, id64 id) {
  auto& st = self->state;
  st.ctx = ctx;
  st.directory = std::move(directory);
  st.store = std::move(store);
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
    [=](tick_atom) { check_idle(self); },
    [=](deadline_atom) { fail_overdue_persists(self); },
    [=](rehome_atom) { leave_when_done(self); },
  };
}

} // namespace

caf::actor spawn_conversation(caf::actor_system& sys, context_ptr ctx,
                              caf::actor directory, caf::actor store, id64 conv) {
  return sys.spawn(conversation, std::move(ctx), std::move(directory),
                   std::move(store), conv);
}

} // namespace parley
