#pragma once
// The presence actor's state (actors/presence.cpp), shared with its call
// handlers (actors/presence_calls.cpp).
#include <caf/all.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "actors/call_messages.hpp"
#include "actors/context.hpp"
#include "actors/offer_book.hpp"
#include "actors/send_budget.hpp"

namespace parley::pres {

using namespace std::chrono;

// A call this user takes part in, as its actor told us.
struct live_call {
  caf::actor actor;
  call_summary summary;
  bool incoming = false; // this user is the callee
  bool answered = false;
};

struct live_session {
  id64 device;
  caf::actor session;
};

// A session watching this user, and what decides whether it may see them.
struct subscriber {
  caf::actor session;
  id64 viewer = 0;
  std::string viewer_privacy;
  bool contact = false;
};

struct presence_state {
  context_ptr ctx;
  caf::actor directory;
  caf::actor notifier;
  id64 user = 0;

  // Stored state, read from PostgreSQL at start (through the user's write
  // store, so it sees every last-seen write queued before).
  bool loaded = false;
  std::string privacy = "everyone";
  std::string privacy_set_while_loading; // newer than what the load returns
  std::int64_t last_seen = 0;            // ms; 0: never seen
  std::int64_t flushed = 0;              // what PostgreSQL holds
  bool flushing = false;

  std::vector<live_session> sessions;
  std::unordered_map<caf::actor_addr, subscriber> subscribers;
  std::optional<send_budget> budget; // this user's, shared by their devices
  std::vector<id64> blocked; // users this one blocks: they see nothing
  // Blocks set or lifted while the load runs, applied on top of what it
  // read (the load may have read the database before they were stored).
  std::vector<std::pair<id64, bool>> blocks_while_loading;
  steady_clock::time_point unused_since = steady_clock::now();
  // Calls: those this user is in, and the offers of their devices.
  std::unordered_map<id64, live_call> calls;
  calls::offer_book offers;
  static inline const char* name = "presence";
};

using presence_ptr = caf::stateful_actor<presence_state>*;

// --- actors/presence_calls.cpp

// Offers, ringing, and the calls' states.
caf::message_handler call_protocol(presence_ptr self);

// A device connected: every call that rings for this user rings there too.
void ring_new_device(presence_ptr self, id64 device, const caf::actor& session);

// A call actor died: its record is written here too (once per call,
// whoever writes first). False if `dm` was not about a call.
bool call_down(presence_ptr self, const caf::down_msg& dm);

// Nothing about calls keeps this actor: no live call, no CID to remember
// (the tick drops expired ones first).
bool calls_idle(const presence_state& st);

} // namespace parley::pres
