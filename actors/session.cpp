#include "actors/session.hpp"
#include "actors/bad_input_log.hpp"

#include <spdlog/spdlog.h>

#include "actors/atoms.hpp"
#include "actors/conversation_messages.hpp"
#include "actors/delivery_messages.hpp"
#include "actors/errors.hpp"
#include "actors/presence_watch.hpp"
#include "actors/session_state.hpp"
#include "actors/store_messages.hpp"
#include "wire/frame.hpp"
#include "wire/json_out.hpp"
#include "wire/metrics.hpp"

namespace parley {

namespace sess {

using wire::metrics;

void push(session_ptr self, std::string frame) {
  self->state.link->send(std::move(frame));
}

void push_error(session_ptr self, const std::string& code, const std::string& message,
                const std::string& ref, const std::string& details) {
  auto& st = self->state;
  metrics::get().frame_errors.fetch_add(1);
  log_bad_input("ws {}: device {}: error {}", st.link->peer(), st.me.device_id, code);
  push(self, wire::error_frame(code, message, ref, details));
}

void push_error(session_ptr self, const caf::error& err, const std::string& ref) {
  push_error(self, wire_code(err), describe(err), ref, details_of(err));
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

// Sends `(atom, payload)` to the conversation, reports only failures, and
// calls `done()` either way.
template <class Atom, class Payload, class Done>
void tell_conversation(session_ptr self, id64 conv, Atom atom, Payload payload,
                       Done done) {
  // A conversation this device was sent messages of needs no membership
  // check first (a receipt usually answers one of them).
  auto& live = self->state.live;
  bool known_member = live && live->has_seen(conv);
  with_conversation(self, conv, [=](caf::actor actor, const caf::error& why) {
    if (!actor) {
      push_error(self, why ? why : make_error(errc::unavailable));
      return done();
    }
    self->request(actor, self->state.ctx->request_timeout, atom, payload)
      .then([=](bool) { done(); },
            [=](caf::error& err) {
              push_error(self, err);
              done();
            });
  }, known_member);
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
      } else if constexpr (std::is_same_v<T, wire::call_frame>) {
        handle_call(self, std::move(f));
      } else {
        static_assert(std::is_same_v<T, wire::ping_frame>);
        push(self, wire::pong_frame());
      }
    },
    frame);
}

void reject_auth(session_ptr self, const caf::error& err) {
  auto& st = self->state;
  push_error(self, err);
  auto code = wire_code(err) == "unauthorized" ? wire::close_code::unauthorized
                                               : wire::close_code::try_again;
  st.link->close(code, wire_code(err));
  end_session(self);
}

void attach_presence(session_ptr self) {
  presence_watch::attach(self, [=] {
    auto& st = self->state;
    st.last_touch_ms = st.last_active_ms;
  });
}

// Frames upstream may have been lost, and this session detached: read what
// it missed (holding what comes from a new presence actor behind), then
// attach (again).
void rejoin(session_ptr self) {
  recover_live(self);
  attach_presence(self);
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
        st.link->authenticated();
        spdlog::info("ws {}: device {} of user {} authenticated", st.link->peer(),
                     who.device_id, who.user_id);
        start_live(self);
        attach_presence(self);
        self->send(self, idle_atom::value);
        push(self, wire::ready_frame(who.user_id, who.device_id));
        check_keys_low(self);
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

void on_down(session_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  if (call_actor_down(self, dm))
    return;
  if (st.presence && dm.source == st.presence.address()) {
    st.presence = nullptr; // the frames it held died with it
    rejoin(self);
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

} // namespace sess

namespace {

using namespace sess;

caf::behavior session(session_ptr self, context_ptr ctx, caf::actor directory,
                      caf::actor queries, std::shared_ptr<wire::ws_link> link) {
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
    link->close(reason == caf::exit_reason::user_shutdown ? wire::close_code::going_away
                                                          : 1011,
                "session ended");
  });
  self->delayed_send(self, auth_deadline, tick_atom::value);
  return {
    [=](frame_atom, const std::string& text) { on_frame(self, text); },
    [=](deliver_atom, const wire::shared_text& frame) { self->state.link->send_shared(frame); },
    [=](deliver_atom, const wire::device_frames& frames, const push_note& note) {
      const auto& frame = frames.for_device(self->state.me.device_id);
      deliver_live(self, frame, note);
    },
    [=](recover_atom) { recover_live(self); },
    [=](callbind_atom, const call_summary& call, bool bound) { call_bound(self, call, bound); },
    // The ring changed: this session may have been detached. Once more a
    // second later, when a node that was dropped for a moment has been
    // taken back by every other.
    [=](ring_atom) {
      if (!self->state.authenticated)
        return;
      rejoin(self);
      self->delayed_send(self, seconds(1), ring_atom::value, true);
    },
    [=](ring_atom, bool) { rejoin(self); },
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

wire::ws_handlers start_session(caf::actor_system& sys, context_ptr ctx,
                               caf::actor directory, caf::actor queries,
                               std::shared_ptr<wire::ws_link> link) {
  auto actor = sys.spawn(session, std::move(ctx), std::move(directory),
                         std::move(queries), std::move(link));
  wire::ws_handlers handlers;
  handlers.on_frame = [actor](std::string text) {
    caf::anon_send(actor, frame_atom::value, std::move(text));
  };
  handlers.on_closed = [actor] { caf::anon_send(actor, closed_atom::value); };
  handlers.on_activity = [actor] { caf::anon_send(actor, touch_atom::value); };
  return handlers;
}

} // namespace parley

