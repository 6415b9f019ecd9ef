#pragma once
// The session actor's state and the steps shared by its files: the
// behaviour, frame ordering, receipts, typing, sync and authentication
// (actors/session.cpp) and sends with their acks and retries
// (actors/session_sends.cpp).
#include <caf/all.hpp>

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "actors/call_messages.hpp"
#include "actors/context.hpp"
#include "actors/conversation_messages.hpp"
#include "actors/deadlines.hpp"
#include "actors/delivery_messages.hpp"
#include "actors/live_order.hpp"
#include "actors/store_messages.hpp"
#include "wire/frame.hpp"
#include "wire/ws_link.hpp"

namespace parley::sess {

using namespace std::chrono;

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
  bool known_member = false; // no membership check needed before the first attempt
  // Answered `unavailable` if not acked by then; never while it waits for
  // its conversation actor to be found (the directory lookup has its own
  // timeout).
  steady_clock::time_point due = steady_clock::time_point::max();
};

struct session_state {
  context_ptr ctx;
  caf::actor directory;
  caf::actor queries;
  std::shared_ptr<wire::ws_link> link;

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

  // Messages this device may still send from the lot its presence actor
  // leased it out of the user's budget (actors/send_budget.hpp).
  std::int32_t send_allowance = 0;

  // Activity: any frame. Silence past the idle limit ends the session;
  // presence hears of activity at most once per last-seen flush period.
  steady_clock::time_point last_active = steady_clock::now();
  std::int64_t last_active_ms = unix_now_ms();
  std::int64_t last_touch_ms = 0;

  // What this device was sent live, per conversation: from its first
  // message frame, ack or fault notice after authentication (an idle
  // connection holds none of it).
  std::int64_t live_started_ms = 0;
  std::optional<live_order> live;
  int recovery_failures = 0;

  // Users this session watches, with their presence actors (null while
  // the subscription is being set up).
  std::unordered_map<id64, caf::actor> watching;

  // Call actors this connection has used (cached), and those it is a party
  // or ringing device of (`bound`: told `failed` if the actor dies).
  struct call_link {
    caf::actor actor;
    call_summary summary;
    bool bound = false;
  };
  std::unordered_map<id64, call_link> calls;

  static inline const char* name = "session";
};

using session_ptr = caf::stateful_actor<session_state>*;

// --- actors/session.cpp

void push(session_ptr self, std::string frame);

void push_error(session_ptr self, const std::string& code, const std::string& message,
                const std::string& ref = {},
                const std::string& details = {});

void push_error(session_ptr self, const caf::error& err, const std::string& ref = {});

// Later frames wait until every hold is released.
void hold_frames(session_ptr self);

void release_frames(session_ptr self);

// Calls `fn(actor, error)` with the conversation's actor, asking the
// directory (and holding later frames back) if it is not known yet; on
// failure the actor is null and the error says why. A conversation this
// session has not used yet is first checked against the database's read
// side (`known_member` skips that): an id that does not exist, or whose
// members do not include this user, is refused before any actor is spawned
// for it or any write is queued, so a flood of made-up ids costs the
// writers nothing.
template <class F>
void with_conversation(session_ptr self, id64 conv, F fn, bool known_member = false) {
  auto& st = self->state;
  if (auto it = st.conversations.find(conv); it != st.conversations.end()) {
    fn(it->second, caf::error{});
    return;
  }
  hold_frames(self);
  auto find_actor = [=] {
    self->request(self->state.directory, self->state.ctx->request_timeout, conv_atom::value,
                  conv)
      .then(
        [=](caf::actor& actor) {
          self->monitor(actor);
          self->state.conversations[conv] = actor;
          fn(actor, caf::error{});
          release_frames(self);
        },
        [=](caf::error& err) {
          fn(caf::actor{}, err); // lets the caller report the failure
          release_frames(self);
        });
  };
  if (known_member)
    return find_actor();
  self->request(st.queries, st.ctx->request_timeout, exists_atom::value, st.me.user_id, conv)
    .then([=](bool) { find_actor(); },
          [=](caf::error& err) {
            fn(caf::actor{}, err);
            release_frames(self);
          });
}

// Every way a session ends on its own: its presence actor learns when the
// device was last active.
void end_session(session_ptr self);

// --- actors/session_limits.cpp

// Closes a session silent past --idle-timeout (4408), else checks again later.
void check_idle(session_ptr self);

// True if the frame may be handled (the connection's rate); a flood is cut
// off with 1008.
bool admit(session_ptr self);

// True if a typing indicator may go out (its own, smaller budget).
bool admit_typing(session_ptr self);

// --- actors/session_live.cpp

// From authentication: frames are kept in order, and fault notices heard.
void start_live(session_ptr self);

// A message frame from the user's presence actor.
void deliver_live(session_ptr self, const wire::shared_text& frame, const push_note& note);

// This device's own message (its ack): never sent back to it.
void own_sent(session_ptr self, id64 conversation, std::int64_t seq);

// Frames may have been lost upstream: read what this device is missing.
void recover_live(session_ptr self);

// --- actors/session_keys.cpp
// After `ready`: `keys_low` if this device's one-time prekeys run short.
void check_keys_low(session_ptr self);

// --- actors/session_calls.cpp

void handle_call(session_ptr self, wire::call_frame f);

// The call actor says whether this connection would hear of its death.
void call_bound(session_ptr self, const call_summary& call, bool bound);

// A call actor died with this connection bound to it: `call.ended`
// `failed`, and its record. False if `dm` was not about a call.
bool call_actor_down(session_ptr self, const caf::down_msg& dm);

// --- actors/session_sends.cpp

// `from` is the conversation actor the failed attempt went to: a failure
// of an older attempt (already reissued after a down_msg) is ignored.
void retry_or_fail(session_ptr self, std::uint64_t token, const caf::error& err,
                   const caf::actor_addr& from);

void fail_overdue_sends(session_ptr self);

void handle_send(session_ptr self, wire::send_frame f);

} // namespace parley::sess
