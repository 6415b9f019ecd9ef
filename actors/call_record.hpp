#pragma once
// A call's record (../shared/CALLS.md, "Call records"): a system message
// from the caller's device "0" in the 1:1 conversation of the two users
// (created if they have none), with the client id "call:CALL_ID". That id
// is unique per sender device in PostgreSQL, so however many actors write
// the record of one call (its own actor, or the sessions and presence
// actors that saw it die), it is stored once and counted once.
#include <caf/fwd.hpp>

#include <chrono>
#include <functional>

#include "actors/call_messages.hpp"

namespace parley {

// `done(error, fresh)`: committed (`fresh` false if it was already), or why not.
using record_done = std::function<void(const caf::error&, bool fresh)>;

void write_call_record(caf::event_based_actor* self, const caf::actor& directory,
                       std::chrono::milliseconds timeout, const call_summary& call,
                       const std::string& result, std::int64_t duration_ms, record_done done);

// An actor that writes the record, retrying every 2 s until it is
// committed, then counts it (and, if `late`, as committed after the call's
// call.ended frames) and exits; or exits with the node (the directory).
void spawn_call_recorder(caf::actor_system& sys, caf::actor directory,
                         std::chrono::milliseconds timeout, call_summary call,
                         std::string result, std::int64_t duration_ms, bool late);

// The record of a call whose actor died: `answered` up to `now_ms` if it
// had been answered, else `missed`.
void record_failed_call(caf::actor_system& sys, caf::actor directory,
                        std::chrono::milliseconds timeout, const call_summary& call,
                        std::int64_t now_ms);

} // namespace parley
