#pragma once
// The conversation actor's state and the steps its files share: the
// behaviour, loading and persisting sends (actors/conversation.cpp), the
// fan-out of messages, receipts and typing (actors/conversation_fanout.cpp)
// and membership changes (actors/conversation_members.cpp). The rules
// themselves are pure code: actors/group_rules.hpp, actors/typing_tracker.hpp,
// actors/routes.hpp.
#include <caf/all.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "actors/context.hpp"
#include "actors/conversation_messages.hpp"
#include "actors/deadlines.hpp"
#include "actors/group_rules.hpp"
#include "actors/routes.hpp"
#include "actors/typing_tracker.hpp"

namespace parley::conv {

using namespace std::chrono;

constexpr int max_attempts = 5;

struct pending_send {
  outgoing_message msg;
  caf::response_promise rp;
  int attempt = 0;
  bool devices_checked = false; // its envelopes matched the required devices
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
  caf::actor reads; // the members' devices: the query pool, not behind the writes
  id64 id = 0;
  bool loaded = false;
  bool loading = false;
  conversation_info info;
  std::int64_t next_seq = 1;
  // When the last seq handed out was stamped: each fan-out says when its
  // predecessor was (actors/live_order.hpp).
  std::int64_t last_ts = 0;
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
  // Encrypted sends (actors/conversation_devices.cpp): the members' current
  // devices, read on the first such send and forgotten whenever the node's
  // directory says a member's devices changed (`devices_epoch` counts
  // those, so that a read that raced one is not trusted). While they are
  // read, or a refusal is checked afresh, sends wait behind, in order.
  member_devices devices;
  bool devices_known = false;
  bool devices_busy = false;
  std::uint64_t devices_epoch = 0;
  std::vector<std::function<void()>> after_change; // sends waiting on either
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

// The next message's seq and time, and when the one before it was stamped.
struct stamp {
  std::int64_t seq;
  std::int64_t ts;
  std::int64_t prev_ts;
};

inline stamp next_stamp(conversation_state& st) {
  stamp s{st.next_seq++, unix_now_ms(), st.last_ts};
  st.last_ts = s.ts;
  return s;
}

// --- actors/conversation.cpp

// Runs `ok` once members and the last seq are known, (re)reading them from
// PostgreSQL first if needed. The read goes through this conversation's
// write store, so it sees every write queued there before it. The seq only
// ever moves up: a conversation never reuses a seq it handed out.
void after_load(conv_ptr self, std::function<void()> ok,
                std::function<void(const caf::error&)> fail);

// Let it crash: without its store a conversation cannot commit. The
// sessions waiting on it see it go down and reissue their sends through the
// directory, which by then has a fresh store for a fresh conversation.
void on_store_lost(conv_ptr self, const caf::error& reason);

// --- actors/conversation_fanout.cpp

// Sends `deliver` (deliver_atom, except_device, frame[, push_note]) to the
// presence actors of `users`. The directory is one actor for the whole node,
// so frames skip it where they can: straight to a presence actor on this
// node that it named before (actors/routes.hpp says when that keeps them in
// order). The rest go through it: users homed on another node, and users
// with no presence actor (no live device: the directory asks for a push).
void fan_out_frame(conv_ptr self, const std::vector<id64>& users, caf::message deliver);

void forget_route(conv_ptr self, const caf::actor_addr& presence);

// The note lets a recipient's presence actor ask for a push notification
// when none of their devices is live.
// With `envelopes`, each device gets its own (E2E.md §9).
void fan_out_to(conv_ptr self, const wire::stored_message& m, const std::vector<id64>& users,
                std::int64_t prev_ts, const wire::shared_envelopes& envelopes = {});

void fan_out(conv_ptr self, const wire::stored_message& m, std::int64_t prev_ts,
             const wire::shared_envelopes& envelopes = {});

void receipt(conv_ptr self, receipt_update update, caf::response_promise rp);

// Relays the start of typing, and refreshes at half the lifetime so that
// the others' indicators do not lapse while it goes on; frames in between
// are absorbed here.
void typing(conv_ptr self, id64 user, caf::response_promise rp);

// Typing that was not refreshed in time ends: the others are told.
void expire_typing(conv_ptr self);

// Runs what waited behind a membership change or a device read, once
// neither is in progress.
void release_held(conv_ptr self);

// Step 1 of E2E.md §9 passed: the rest of it (steps 2 to 5) before `ps`
// may be stored. Calls persist again once it may.
void check_devices(conv_ptr self, pending_send ps);

inline bool needs_device_check(const pending_send& ps) {
  return !ps.devices_checked
         && (ps.msg.envelopes.present() || !ps.msg.envelopes_fault.empty());
}

void persist(conv_ptr self, pending_send ps);

// A member's devices changed (or the members did): read them again before
// the next encrypted send.
void forget_devices(conv_ptr self);

// --- actors/conversation_members.cpp

// Membership changes run one at a time, in arrival order.
void change_members(conv_ptr self, membership_change change, caf::response_promise rp);

} // namespace parley::conv
