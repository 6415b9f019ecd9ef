#include "actors/conversation.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>

#include "actors/messages.hpp"
#include "net/json_out.hpp"

namespace parley {

namespace {

using namespace std::chrono;

constexpr int max_attempts = 5;

struct pending_send {
  outgoing_message msg;
  caf::response_promise rp;
  int attempt = 0;
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
  steady_clock::time_point last_active = steady_clock::now();
  static inline const char* name = "conversation";
};

using conv_ptr = caf::stateful_actor<conversation_state>*;

member_info* find_member(conversation_state& st, id64 user) {
  for (auto& m : st.info.members)
    if (m.user_id == user)
      return &m;
  return nullptr;
}

std::vector<id64> member_ids(const conversation_state& st) {
  std::vector<id64> out;
  out.reserve(st.info.members.size());
  for (auto& m : st.info.members)
    out.push_back(m.user_id);
  return out;
}

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

void fan_out(conv_ptr self, const wire::stored_message& m) {
  auto& st = self->state;
  self->send(st.directory, fanout_atom::value, member_ids(st), m.from_device,
             wire::message_frame(m));
}

// Let it crash: without its store a conversation cannot commit. The
// sessions waiting on it see it go down and reissue their sends through the
// directory, which by then has a fresh store for a fresh conversation.
void on_store_lost(conv_ptr self, const caf::error& reason) {
  spdlog::warn("conversation {}: store lost ({}), exiting", self->state.id,
               self->system().render(reason));
  self->quit(reason);
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
  if (!find_member(st, ps.msg.sender)) {
    ps.rp.deliver(make_error(errc::not_a_member));
    return;
  }
  message_record row{{st.ctx->ids->next(), st.id, st.next_seq++, ps.msg.sender,
                      ps.msg.sender_device, unix_now_ms(), ps.msg.body},
                     ps.msg.client_id};
  ++st.in_flight;
  self->request(st.store, st.ctx->store_timeout, persist_atom::value, row)
    .then(
      [=](persist_result& result) mutable {
        --self->state.in_flight;
        // Fanned out even when it is a retry of a stored message: its first
        // fan-out may have died with the actor that was doing it.
        fan_out(self, result.stored);
        auto& m = result.stored;
        ps.rp.deliver(ack_info{m.msg_id, m.conversation, m.seq, m.ts});
      },
      [=](caf::error& err) mutable {
        auto& st = self->state;
        --st.in_flight;
        if (err == caf::sec::request_receiver_down)
          return on_store_lost(self, err);
        if (err != make_error(errc::seq_conflict) || ++ps.attempt >= max_attempts) {
          // Unavailable or timed out: the client retries with the same id.
          ps.rp.deliver(err);
          return;
        }
        // Another owner took this seq: re-read the last committed seq
        // (through the store, so after every write queued there) and retry.
        spdlog::debug("conversation {}: seq {} taken, reloading", st.id, row.msg.seq);
        st.loaded = false;
        persist(self, std::move(ps));
      });
}

void receipt(conv_ptr self, receipt_update update, caf::response_promise rp) {
  auto& st = self->state;
  if (!find_member(st, update.user)) {
    rp.deliver(make_error(errc::not_a_member));
    return;
  }
  // Nobody can have received what was never sent.
  update.up_to = std::min(update.up_to, st.next_seq - 1);
  self->request(st.store, st.ctx->store_timeout, cursor_atom::value, update)
    .then(
      [=](bool) mutable {
        auto& st = self->state;
        auto* m = find_member(st, update.user);
        if (!m) { // reloaded meanwhile without this member
          rp.deliver(true);
          return;
        }
        auto& cursor = update.read ? m->read_seq : m->delivered_seq;
        if (update.up_to > cursor) {
          cursor = update.up_to;
          if (update.read)
            m->delivered_seq = std::max(m->delivered_seq, update.up_to);
          auto frame = wire::receipt_notice(st.id, update.user,
                                           update.read ? "read" : "delivered",
                                           update.up_to, unix_now_ms());
          self->send(st.directory, fanout_atom::value, member_ids(st),
                     update.device, frame);
        }
        rp.deliver(true);
      },
      [=](caf::error& err) mutable { rp.deliver(err); });
}

void typing(conv_ptr self, id64 user, caf::response_promise rp) {
  auto& st = self->state;
  if (!find_member(st, user)) {
    rp.deliver(make_error(errc::not_a_member));
    return;
  }
  std::vector<id64> others;
  for (auto& m : st.info.members)
    if (m.user_id != user)
      others.push_back(m.user_id);
  self->send(st.directory, fanout_atom::value, others, id64{0},
             wire::typing_notice(st.id, user));
  rp.deliver(true);
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

void check_idle(conv_ptr self) {
  auto& st = self->state;
  auto idle = steady_clock::now() - st.last_active;
  if (idle >= st.ctx->conversation_idle && st.in_flight == 0 && !st.loading) {
    self->request(st.directory, st.ctx->store_timeout, retire_atom::value, st.id)
      .then([=](bool) { self->quit(); }, [=](caf::error&) { self->quit(); });
    return;
  }
  self->delayed_send(self, st.ctx->conversation_idle / 2, tick_atom::value);
}

caf::behavior conversation(conv_ptr self, context_ptr ctx, caf::actor directory,
                           caf::actor store, id64 id) {
  auto& st = self->state;
  st.ctx = ctx;
  st.directory = std::move(directory);
  st.store = std::move(store);
  st.id = id;
  self->monitor(st.store);
  self->set_down_handler([=](caf::down_msg& dm) {
    if (dm.source == self->state.store.address())
      on_store_lost(self, dm.reason);
  });
  self->delayed_send(self, ctx->conversation_idle / 2, tick_atom::value);
  auto touch = [=] { self->state.last_active = steady_clock::now(); };
  return {
    [=](send_atom, outgoing_message& msg) {
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
    [=](tick_atom) { check_idle(self); },
  };
}

} // namespace

caf::actor spawn_conversation(caf::actor_system& sys, context_ptr ctx,
                              caf::actor directory, caf::actor store, id64 conv) {
  return sys.spawn(conversation, std::move(ctx), std::move(directory),
                   std::move(store), conv);
}

} // namespace parley
