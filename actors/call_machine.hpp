#pragma once
// The life of one call (../shared/CALLS.md, "The life of a call"), apart
// from the actor that runs it: who may send which call frame in which
// state, what each party and ringing device is sent, and how the call ends.
// Pure code (no messaging; the clock is passed in), unit-tested in
// tests/unit/call_machine_test.cpp. Connections are opaque numbers the
// actor maps to sessions.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/errors.hpp"
#include "wire/call_frames.hpp"
#include "wire/ids.hpp"
#include "wire/shared_text.hpp"

namespace parley::calls {

using conn_id = std::uint64_t; // 0: none

constexpr std::size_t max_caller_candidates = 100; // before the answer

// What a device's `call.ended` says.
enum class reason : std::uint8_t {
  busy, answered_elsewhere, rejected, rejected_elsewhere, cancelled, timeout, hangup,
  disconnected, failed
};
// What the record says.
enum class result : std::uint8_t { answered, missed, rejected, busy, cancelled };

const char* to_string(reason r);
const char* to_string(result r);

enum class phase : std::uint8_t { ringing, answered, ended };

struct call_setup {
  id64 call_id = 0;
  id64 caller = 0;
  id64 caller_device = 0;
  conn_id caller_conn = 0;
  id64 callee = 0;
  bool video = false;
  std::string sdp;
  std::int64_t started_ts = 0; // the offer accepted
};

// Who sent a frame: a user's device over one connection.
struct sender {
  id64 user = 0;
  id64 device = 0;
  conn_id conn = 0;
};

// One frame for some connections, written once.
struct delivery {
  std::vector<conn_id> to;
  wire::shared_text frame;
};

struct notice {
  conn_id to = 0;
  reason why = reason::failed;
};

// How the call ended: the record, then the `call.ended` frames.
struct ending {
  result res = result::missed;
  std::int64_t duration_ms = 0;
  std::vector<notice> notices;
  // What the offering device got or would have got: a resent offer is
  // answered with it.
  reason for_caller = reason::failed;
};

// What one event does. `error` set: refused, nothing changed.
struct step {
  std::optional<errc> error;
  std::vector<delivery> frames; // sent at once, in order
  std::optional<ending> end;    // the call is over
  bool answered = false;        // it was answered just now
};

// The record of a call whose actor died at `now` (CALLS.md): `answered` up
// to the failure if it had been answered (`answered_ts` not 0), else
// `missed`. Its survivors, the sessions of connections() and both users'
// presence actors, write it and say `failed`.
struct failed_record {
  result res = result::missed;
  std::int64_t duration_ms = 0;
};
failed_record failed_call(std::int64_t answered_ts, std::int64_t now);

class call_machine {
public:
  call_machine(call_setup setup, std::int64_t grace_ms);

  const call_setup& setup() const { return setup_; }
  phase state() const { return phase_; }
  std::int64_t answered_ts() const { return answered_ts_; }

  // The callee is a party of an answered call: the offer ends as `busy`.
  step busy();
  // Callee devices with a websocket start (or, connecting later, join)
  // ringing: `call.incoming`, then the caller's candidates so far.
  step ring(const std::vector<std::pair<id64, conn_id>>& devices);
  step frame(const sender& who, wire::call_op op, std::string payload, std::int64_t now);
  step closed(conn_id conn, std::int64_t now);
  step ring_timeout();
  // When the first party in grace runs out of it (none: nobody is in grace).
  std::optional<std::int64_t> grace_deadline() const;
  step grace_passed(std::int64_t now);
  // The connections that would be told `failed` if the actor died now.
  std::vector<conn_id> connections() const;

private:
  struct party {
    id64 user = 0;
    id64 device = 0;
    conn_id conn = 0;         // 0: in grace
    std::int64_t gone_ts = 0; // when its connection closed
  };
  struct ringing_device {
    id64 device;
    conn_id conn;
  };

  step answer(const sender& who, std::string sdp, std::int64_t now);
  step decline(const sender& who);
  step hangup(const sender& who, std::int64_t now);
  step relay(const sender& who, wire::call_op op, std::string payload);
  step resume(const sender& who);
  step ring_ice(std::string candidate);
  step finish(result res, std::int64_t end_ts, std::vector<notice> notices, reason for_caller);
  std::vector<notice> ringing_except(id64 device, reason why) const;
  party* party_on(conn_id conn);
  party& other(const party& p);
  bool is_caller_conn(const sender& who) const;

  call_setup setup_;
  std::int64_t grace_ms_;
  phase phase_ = phase::ringing;
  wire::shared_text incoming_;
  std::vector<wire::shared_text> candidates_; // the caller's, relayed while ringing
  std::vector<ringing_device> ringing_;
  party caller_;
  party callee_; // once answered
  std::int64_t answered_ts_ = 0;
};

} // namespace parley::calls
