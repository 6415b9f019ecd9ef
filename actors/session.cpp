#include "actors/session.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <list>
#include <unordered_map>

#include "actors/deadlines.hpp"
#include "actors/messages.hpp"
#include "actors/presence_watch.hpp"
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

// `take()` is true while tokens are left; they refill at `rate` per second
// up to `burst`.
struct token_bucket {
  double tokens = 0;
  steady_clock::time_point refilled = steady_clock::now();

  bool take(double rate, double burst) {
    auto now = steady_clock::now();
    tokens = std::min(burst, tokens + duration<double>(now - refilled).count() * rate);
    refilled = now;
    if (tokens < 1)
      return false;
    tokens -= 1;
    return true;
  }
};

// A send waiting for its ack; re-issued if its conversation actor dies.
struct pending_send {
  id64 conversation;
  outgoing_message msg;
  caf::actor_addr target;
  int attempt = 0;
  // Answered `unavailable` if not acked by then; never while it waits for
  // its conversation actor to be found (the directory lookup has its own
  // timeout).
  steady_clock::time_point due = steady_clock::time_point::max();
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
  // the order it sent them. A list, because it is almost always empty and
  // an empty std::deque already holds about 600 bytes (memory per
  // connection is a figure we are held to).
  int busy = 0;
  std::list<wire::parse_result> waiting;

  std::unordered_map<id64, id64> direct_conversations; // peer -> conversation
  std::unordered_map<id64, caf::actor> conversations;
  std::unordered_map<std::uint64_t, pending_send> pending;
  std::uint64_t next_token = 1;
  deadline_timer send_deadlines;
  int receipts_in_flight = 0;
  bool sync_waits_for_receipts = false;

  // Every frame takes a token; refusals count as strikes.
  token_bucket frames;
  double strikes = 0;

  // Typing frames have their own, smaller bucket.
  token_bucket typing;
  long typing_refused = 0;

  // Activity: any frame. Silence past the idle limit ends the session;
  // presence hears of activity at most once per last-seen flush period.
  steady_clock::time_point last_active = steady_clock::now();
  std::int64_t last_active_ms = unix_now_ms();
  std::int64_t last_touch_ms = 0;

  // Users this session watches, with their presence actors (null while
  // the subscription is being set up).
  std::unordered_map<id64, caf::actor> watching;

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

// Every way a session ends on its own: its presence actor learns when the
// device was last active (a killed session's presence uses the time of death).
void end_session(session_ptr self) {
  auto& st = self->state;
  if (st.presence)
    self->send(st.presence, offline_atom::value, st.last_active_ms);
  self->quit();
}

void note_activity(session_ptr self) {
  auto& st = self->state;
  st.last_active = steady_clock::now();
  st.last_active_ms = unix_now_ms();
  if (st.presence && st.last_active_ms - st.last_touch_ms >= st.ctx->last_seen_flush.count()) {
    st.last_touch_ms = st.last_active_ms;
    self->send(st.presence, touch_atom::value, st.last_active_ms);
  }
}

// Half-open connections (a phone that lost its network) never close by
// themselves: a session silent past the idle limit is closed (4408).
void check_idle(session_ptr self) {
  auto& st = self->state;
  if (steady_clock::now() - st.last_active >= st.ctx->idle_timeout) {
    spdlog::info("ws {}: device {} silent for {} s, closing", st.link->peer(),
                 st.me.device_id, st.ctx->idle_timeout.count());
    metrics::get().idle_closed.fetch_add(1);
    st.link->close(net::close_code::idle, "idle timeout");
    return end_session(self);
  }
  auto period = std::clamp<milliseconds>(duration_cast<milliseconds>(st.ctx->idle_timeout) / 4,
                                         milliseconds(250), milliseconds(5000));
  self->delayed_send(self, period, idle_atom::value);
}

// --- rate limit ---------------------------------------------------------------

// True if the frame may be handled. A client that keeps flooding after
// being refused is cut off with 1008.
bool admit(session_ptr self) {
  auto& st = self->state;
  if (st.frames.take(st.ctx->rate_per_second, st.ctx->rate_burst)) {
    st.strikes = std::max(0.0, st.strikes - 1);
    return true;
  }
  metrics::get().rate_limited.fetch_add(1);
  st.strikes += 1;
  if (st.strikes > st.ctx->rate_burst) {
    spdlog::warn("ws {}: closed for flooding", st.link->peer());
    push_error(self, "rate_limited", "too many frames: connection closed");
    st.link->close(net::close_code::policy, "rate limit exceeded");
    end_session(self);
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
  it->second.due = steady_clock::time_point::max();
  issue(self, token);
}

// Sends are asked without a CAF request timeout (see actors/deadlines.hpp):
// one sweep per request_timeout/4 fails the overdue ones.
void arm_send_deadlines(session_ptr self) {
  self->state.send_deadlines.arm(self, self->state.ctx->request_timeout / 4);
}

void fail_overdue_sends(session_ptr self) {
  self->state.send_deadlines.sweep(self, self->state.pending, [=](std::uint64_t token) {
    fail_send(self, token, caf::sec::request_timeout);
  });
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
    it->second.due = steady_clock::now() + st.ctx->request_timeout;
    arm_send_deadlines(self);
    self->request(actor, caf::infinite, send_atom::value, it->second.msg)
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
                                         std::move(f.client_id), std::move(f.body),
                                         std::move(f.media)},
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
      [=](id64 conv, bool created) mutable {
        auto& st = self->state;
        st.direct_conversations[f.to] = conv;
        if (created) // they are contacts now: presence privacy may change
          self->send(st.directory, contacts_atom::value,
                     std::vector<id64>{st.me.user_id, f.to});
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
        page.frames.push_back(wire::sync_done_frame(f.conversation, page.more));
        self->state.link->send_all(std::move(page.frames));
      },
      [=](caf::error& err) { push_error(self, err); });
}

// --- typing --------------------------------------------------------------------

// Typing indicators are cheap to send and fan out to every member: a
// session gets `typing_burst` of them, refilled at `typing_per_second`.
bool admit_typing(session_ptr self) {
  auto& st = self->state;
  if (st.typing.take(st.ctx->typing_per_second, st.ctx->typing_burst)) {
    st.typing_refused = 0;
    return true;
  }
  if (st.typing_refused++ % 50 == 0)
    push_error(self, "rate_limited", "typing indicators too often, slow down");
  return false;
}

// --- presence subscriptions -----------------------------------------------------

void handle_watch(session_ptr self, const wire::watch_frame& f) {
  auto& st = self->state;
  if (!f.subscribe)
    return presence_watch::unsubscribe(self, f.users);
  if (!presence_watch::within_limit(st, f.users))
    return push_error(self, "too_many_subscriptions",
                      presence_watch::too_many_message(st.ctx->max_subscriptions));
  hold_frames(self); // an unsubscribe right behind waits for this
  presence_watch::subscribe(
    self, f.users, true,
    [=](const std::string& code, const std::string& message) {
      push_error(self, code, message);
    },
    [=](bool) { release_frames(self); });
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
        if (admit_typing(self))
          tell_conversation(self, f.conversation, typing_atom::value, st.me.user_id,
                            [] {});
      } else if constexpr (std::is_same_v<T, wire::watch_frame>) {
        handle_watch(self, f);
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
  end_session(self);
}

void attach_presence(session_ptr self) {
  presence_watch::attach(self, session_link{self->state.link}, [=] {
    auto& st = self->state;
    st.last_touch_ms = st.last_active_ms;
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
        self->send(self, idle_atom::value);
        push(self, wire::ready_frame(who.user_id, who.device_id));
        release_frames(self); // handle what arrived behind `auth`
      },
      [=](caf::error& err) { reject_auth(self, err); });
}

void on_frame(session_ptr self, const std::string& text) {
  auto& st = self->state;
  metrics::get().frames_in.fetch_add(1);
  note_activity(self);
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
  }
  if (presence_watch::rewatch_dead(self, dm.source))
    return;
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
  st.frames.tokens = ctx->rate_burst;
  st.typing.tokens = ctx->typing_burst;
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
    [=](idle_atom) { check_idle(self); },
    [=](deadline_atom) { fail_overdue_sends(self); },
    [=](touch_atom) { note_activity(self); },
    [=](resub_atom) { presence_watch::resubscribe_all(self); },
    [=](resub_atom, std::vector<id64>& users) {
      presence_watch::resubscribe(self, std::move(users));
    },
    [=](revoke_atom) { reject_auth(self, make_error(errc::unauthorized)); },
    [=](tick_atom) {
      if (!self->state.authenticated && !self->state.authenticating)
        reject_auth(self, make_error(errc::unauthorized));
    },
    [=](closed_atom) { end_session(self); },
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
  handlers.on_activity = [actor] { caf::anon_send(actor, touch_atom::value); };
  return handlers;
}

} // namespace parley
