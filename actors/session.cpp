#include "actors/session.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <deque>
#include <unordered_map>

#include "actors/messages.hpp"
#include "net/frame.hpp"
#include "net/json_out.hpp"
#include "net/metrics.hpp"

namespace parley {

namespace {

using namespace std::chrono;
using net::metrics;

constexpr auto auth_deadline = seconds(10);
constexpr std::int32_t sync_page_size = 500; // and at most about 2 MiB
constexpr int max_send_attempts = 3;

// A send waiting for its ack; re-issued if its conversation actor dies.
struct pending_send {
  id64 conversation;
  outgoing_message msg;
  caf::actor_addr target;
  int attempt = 0;
};

struct session_state {
  context_ptr ctx;
  caf::actor directory;
  caf::actor queries;
  std::shared_ptr<net::ws_link> link;

  bool authenticated = false;
  bool authenticating = false;
  identity me;
  caf::actor presence;

  // Frames wait here while a lookup they depend on is in flight (`busy`
  // counts them; they may nest), so that a device's frames are handled in
  // the order it sent them.
  int busy = 0;
  std::deque<wire::parse_result> waiting;

  std::unordered_map<id64, id64> direct_conversations; // peer -> conversation
  std::unordered_map<id64, caf::actor> conversations;
  std::unordered_map<std::uint64_t, pending_send> pending;
  std::uint64_t next_token = 1;
  int receipts_in_flight = 0;
  bool sync_waits_for_receipts = false;

  // Token bucket.
  double tokens = 0;
  steady_clock::time_point refilled = steady_clock::now();
  double strikes = 0;

  static inline const char* name = "session";
};

using session_ptr = caf::stateful_actor<session_state>*;

void push(session_ptr self, std::string frame) {
  self->state.link->send(std::move(frame));
}

void push_error(session_ptr self, const std::string& code, const std::string& message,
                const std::string& ref = {}) {
  auto& st = self->state;
  metrics::get().frame_errors.fetch_add(1);
  spdlog::info("ws {}: device {}: error {}", st.link->peer(), st.me.device_id, code);
  push(self, wire::error_frame(code, message, ref));
}

void push_error(session_ptr self, const caf::error& err, const std::string& ref = {}) {
  push_error(self, wire_code(err), describe(err), ref);
}

// --- rate limit ---------------------------------------------------------------

// True if the frame may be handled. A client that keeps flooding after
// being refused is cut off with 1008.
bool admit(session_ptr self) {
  auto& st = self->state;
  auto now = steady_clock::now();
  auto elapsed = duration<double>(now - st.refilled).count();
  st.refilled = now;
  st.tokens = std::min(st.ctx->rate_burst, st.tokens + elapsed * st.ctx->rate_per_second);
  if (st.tokens >= 1) {
    st.tokens -= 1;
    st.strikes = std::max(0.0, st.strikes - 1);
    return true;
  }
  metrics::get().rate_limited.fetch_add(1);
  st.strikes += 1;
  if (st.strikes > st.ctx->rate_burst) {
    spdlog::warn("ws {}: closed for flooding", st.link->peer());
    push_error(self, "rate_limited", "too many frames: connection closed");
    st.link->close(net::close_code::policy, "rate limit exceeded");
    self->quit();
    return false;
  }
  // One error per hundred refusals: answering every frame of a flood would
  // double it.
  if (static_cast<long>(st.strikes) % 100 == 1)
    push_error(self, "rate_limited", "too many frames, slow down");
  return false;
}

// --- ordered processing ----------------------------------------------------------

void dispatch(session_ptr self, wire::parse_result frame);

void drain(session_ptr self) {
  auto& st = self->state;
  while (st.busy == 0 && !st.waiting.empty()) {
    auto next = std::move(st.waiting.front());
    st.waiting.pop_front();
    dispatch(self, std::move(next));
  }
}

// Later frames wait until every hold is released.
void hold_frames(session_ptr self) {
  ++self->state.busy;
}

void release_frames(session_ptr self) {
  if (--self->state.busy == 0)
    drain(self);
}

// Calls `fn(actor)` with the conversation's actor, asking the directory
// (and holding later frames back) if it is not known yet.
template <class F>
void with_conversation(session_ptr self, id64 conv, F fn) {
  auto& st = self->state;
  if (auto it = st.conversations.find(conv); it != st.conversations.end()) {
    fn(it->second);
    return;
  }
  hold_frames(self);
  self->request(st.directory, st.ctx->request_timeout, conv_atom::value, conv)
    .then(
      [=](caf::actor& actor) {
        self->monitor(actor);
        self->state.conversations[conv] = actor;
        fn(actor);
        release_frames(self);
      },
      [=](caf::error& err) {
        fn(caf::actor{}); // lets the caller report the failure
        release_frames(self);
      });
}

// --- send -----------------------------------------------------------------------

void issue(session_ptr self, std::uint64_t token);

void fail_send(session_ptr self, std::uint64_t token, const caf::error& err) {
  auto& st = self->state;
  auto it = st.pending.find(token);
  if (it == st.pending.end())
    return;
  metrics::get().send_failures.fetch_add(1);
  push_error(self, err, it->second.msg.client_id);
  st.pending.erase(it);
}

// `from` is the conversation actor the failed attempt went to: a failure
// of an older attempt (already reissued after a down_msg) is ignored.
void retry_or_fail(session_ptr self, std::uint64_t token, const caf::error& err,
                   const caf::actor_addr& from) {
  auto& st = self->state;
  auto it = st.pending.find(token);
  if (it == st.pending.end() || it->second.target != from)
    return;
  // Only a conversation actor that died is worth another try: a timeout
  // means the database is slow or gone, and the client hears it at once.
  bool died = err == caf::sec::request_receiver_down;
  if (!died || ++it->second.attempt >= max_send_attempts)
    return fail_send(self, token, err);
  // Forget the dead actor, unless another send already cached its successor.
  if (auto c = st.conversations.find(it->second.conversation);
      c != st.conversations.end() && c->second.address() == from)
    st.conversations.erase(c);
  it->second.target = {}; // late failures of this attempt no longer count
  issue(self, token);
}

void issue(session_ptr self, std::uint64_t token) {
  auto conv = self->state.pending.at(token).conversation;
  with_conversation(self, conv, [=](caf::actor actor) {
    auto& st = self->state;
    auto it = st.pending.find(token);
    if (it == st.pending.end())
      return;
    if (!actor)
      return fail_send(self, token, make_error(errc::unavailable));
    it->second.target = actor.address();
    self->request(actor, st.ctx->request_timeout, send_atom::value, it->second.msg)
      .then(
        [=](const ack_info& ack) {
          auto& st = self->state;
          auto it = st.pending.find(token);
          if (it == st.pending.end())
            return; // answered by an earlier attempt
          metrics::get().messages_acked.fetch_add(1);
          push(self, wire::ack_frame(it->second.msg.client_id, ack.msg_id,
                                     ack.conversation, ack.seq, ack.ts));
          st.pending.erase(it);
        },
        [=, from = actor.address()](caf::error& err) {
          retry_or_fail(self, token, err, from);
        });
  });
}

void send_to_conversation(session_ptr self, id64 conv, wire::send_frame& f) {
  auto& st = self->state;
  auto token = st.next_token++;
  st.pending.emplace(token, pending_send{conv,
                                        {conv, st.me.user_id, st.me.device_id,
                                         std::move(f.client_id), std::move(f.body)},
                                        {}});
  issue(self, token);
}

void handle_send(session_ptr self, wire::send_frame f) {
  auto& st = self->state;
  if (st.pending.size() >= st.ctx->max_pending_sends) {
    // The database is slower than this client: bound what we hold for it.
    metrics::get().rate_limited.fetch_add(1);
    return push_error(self, "rate_limited", "too many unacknowledged sends, wait for acks",
                      f.client_id);
  }
  if (f.conversation != 0)
    return send_to_conversation(self, f.conversation, f);
  if (auto it = st.direct_conversations.find(f.to); it != st.direct_conversations.end())
    return send_to_conversation(self, it->second, f);
  hold_frames(self);
  self->request(st.queries, st.ctx->request_timeout, direct_atom::value,
                st.me.user_id, f.to)
    .then(
      [=](id64 conv) mutable {
        self->state.direct_conversations[f.to] = conv;
        send_to_conversation(self, conv, f);
        release_frames(self);
      },
      [=](caf::error& err) {
        metrics::get().send_failures.fetch_add(1);
        push_error(self, err, f.client_id);
        release_frames(self);
      });
}

// --- receipts, typing, sync ----------------------------------------------------

// Sends `(atom, payload)` to the conversation, reports only failures, and
// calls `done()` either way.
template <class Atom, class Payload, class Done>
void tell_conversation(session_ptr self, id64 conv, Atom atom, Payload payload,
                       Done done) {
  with_conversation(self, conv, [=](caf::actor actor) {
    if (!actor) {
      push_error(self, make_error(errc::unavailable));
      return done();
    }
    self->request(actor, self->state.ctx->request_timeout, atom, payload)
      .then([=](bool) { done(); },
            [=](caf::error& err) {
              push_error(self, err);
              done();
            });
  });
}

// A `sync` must see the cursors of the receipts this device sent before it
// (or it would send back what the device just confirmed): receipts in
// flight hold a following `sync`, and the frames after it, until committed.
void receipt_sent(session_ptr self) {
  ++self->state.receipts_in_flight;
}

void receipt_done(session_ptr self) {
  auto& st = self->state;
  if (--st.receipts_in_flight == 0 && st.sync_waits_for_receipts) {
    st.sync_waits_for_receipts = false;
    release_frames(self);
  }
}

void handle_sync(session_ptr self, const wire::sync_frame& f) {
  auto& st = self->state;
  self->request(st.queries, st.ctx->request_timeout, sync_atom::value, st.me.user_id,
                st.me.device_id, f.conversation, f.after, sync_page_size)
    .then(
      [=](sync_page& page) {
        for (auto& frame : page.frames)
          push(self, std::move(frame));
        push(self, wire::sync_done_frame(f.conversation, page.more));
      },
      [=](caf::error& err) { push_error(self, err); });
}

void dispatch(session_ptr self, wire::parse_result frame) {
  auto& st = self->state;
  if (st.busy > 0) {
    if (st.waiting.size() >= st.ctx->max_pending_sends) {
      metrics::get().rate_limited.fetch_add(1);
      return push_error(self, "rate_limited", "too many frames waiting, slow down");
    }
    st.waiting.push_back(std::move(frame));
    return;
  }
  std::visit(
    [&](auto& f) {
      using T = std::decay_t<decltype(f)>;
      if constexpr (std::is_same_v<T, wire::frame_error>) {
        push_error(self, f.code, f.message, f.ref);
      } else if constexpr (std::is_same_v<T, wire::auth_frame>) {
        push_error(self, "already_authenticated", "this connection is authenticated");
      } else if constexpr (std::is_same_v<T, wire::send_frame>) {
        handle_send(self, std::move(f));
      } else if constexpr (std::is_same_v<T, wire::receipt_frame>) {
        receipt_sent(self);
        tell_conversation(self, f.conversation, receipt_atom::value,
                          receipt_update{f.conversation, st.me.user_id,
                                         st.me.device_id,
                                         f.status == wire::receipt_status::read,
                                         f.up_to},
                          [=] { receipt_done(self); });
      } else if constexpr (std::is_same_v<T, wire::sync_frame>) {
        if (st.receipts_in_flight > 0) {
          st.sync_waits_for_receipts = true;
          hold_frames(self);
          st.waiting.push_front(wire::parse_result{f}); // handled first once released
          return;
        }
        handle_sync(self, f);
      } else if constexpr (std::is_same_v<T, wire::typing_frame>) {
        tell_conversation(self, f.conversation, typing_atom::value, st.me.user_id,
                          [] {});
      } else {
        static_assert(std::is_same_v<T, wire::ping_frame>);
        push(self, wire::pong_frame());
      }
    },
    frame);
}

// --- authentication --------------------------------------------------------------

void reject_auth(session_ptr self, const caf::error& err) {
  auto& st = self->state;
  push_error(self, err);
  auto code = wire_code(err) == "unauthorized" ? net::close_code::unauthorized
                                               : net::close_code::try_again;
  st.link->close(code, wire_code(err));
  self->quit();
}

void attach_presence(session_ptr self) {
  auto& st = self->state;
  self->request(st.directory, st.ctx->request_timeout, online_atom::value,
                st.me.user_id, st.me.device_id, caf::actor{self})
    .then(
      [=](caf::actor& presence) {
        self->monitor(presence);
        self->state.presence = presence;
      },
      [=](caf::error&) {
        // Retry: without a presence actor this device gets no deliveries.
        self->delayed_send(self, milliseconds(200), online_atom::value);
      });
}

void authenticate(session_ptr self, const wire::auth_frame& f) {
  auto& st = self->state;
  st.authenticating = true;
  self->request(st.queries, st.ctx->request_timeout, auth_atom::value, f.token)
    .then(
      [=](const identity& who) {
        auto& st = self->state;
        st.authenticating = false;
        st.authenticated = true;
        st.me = who;
        spdlog::info("ws {}: device {} of user {} authenticated", st.link->peer(),
                     who.device_id, who.user_id);
        attach_presence(self);
        push(self, wire::ready_frame(who.user_id, who.device_id));
        release_frames(self); // handle what arrived behind `auth`
      },
      [=](caf::error& err) { reject_auth(self, err); });
}

void on_frame(session_ptr self, const std::string& text) {
  auto& st = self->state;
  metrics::get().frames_in.fetch_add(1);
  if (!admit(self))
    return;
  auto parsed = wire::parse_frame(text);
  if (st.authenticated || st.authenticating) {
    dispatch(self, std::move(parsed)); // queued behind auth if still pending
    return;
  }
  if (auto* auth = std::get_if<wire::auth_frame>(&parsed)) {
    hold_frames(self); // frames sent right behind `auth` wait for its outcome
    authenticate(self, *auth);
    return;
  }
  reject_auth(self, make_error(errc::unauthorized));
}

// --- failures of the actors this session depends on ------------------------------

void on_down(session_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  if (st.presence && dm.source == st.presence.address()) {
    st.presence = nullptr;
    attach_presence(self);
    return;
  }
  for (auto it = st.conversations.begin(); it != st.conversations.end(); ++it) {
    if (it->second.address() == dm.source) {
      st.conversations.erase(it);
      break;
    }
  }
  // Sends the dead actor held: issue them again (idempotent by client id).
  std::vector<std::uint64_t> orphans;
  for (auto& [token, p] : st.pending)
    if (p.target == dm.source)
      orphans.push_back(token);
  for (auto token : orphans)
    retry_or_fail(self, token, caf::sec::request_receiver_down, dm.source);
}

caf::behavior session(session_ptr self, context_ptr ctx, caf::actor directory,
                      caf::actor queries, std::shared_ptr<net::ws_link> link) {
  auto& st = self->state;
  st.ctx = ctx;
  st.directory = std::move(directory);
  st.queries = std::move(queries);
  st.link = std::move(link);
  st.tokens = ctx->rate_burst;
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  self->attach_functor([link = st.link](const caf::error& reason) {
    // Killed or shut down: the device reconnects and syncs.
    link->close(reason == caf::exit_reason::user_shutdown ? net::close_code::going_away
                                                          : 1011,
                "session ended");
  });
  self->delayed_send(self, auth_deadline, tick_atom::value);
  return {
    [=](frame_atom, const std::string& text) { on_frame(self, text); },
    [=](deliver_atom, const std::string& frame) { push(self, frame); },
    [=](online_atom) { attach_presence(self); },
    [=](revoke_atom) { reject_auth(self, make_error(errc::unauthorized)); },
    [=](tick_atom) {
      if (!self->state.authenticated && !self->state.authenticating)
        reject_auth(self, make_error(errc::unauthorized));
    },
    [=](closed_atom) { self->quit(); },
  };
}

} // namespace

net::ws_handlers start_session(caf::actor_system& sys, context_ptr ctx,
                               caf::actor directory, caf::actor queries,
                               std::shared_ptr<net::ws_link> link) {
  auto actor = sys.spawn(session, std::move(ctx), std::move(directory),
                         std::move(queries), std::move(link));
  net::ws_handlers handlers;
  handlers.on_frame = [actor](std::string text) {
    caf::anon_send(actor, frame_atom::value, std::move(text));
  };
  handlers.on_closed = [actor] { caf::anon_send(actor, closed_atom::value); };
  return handlers;
}

} // namespace parley
