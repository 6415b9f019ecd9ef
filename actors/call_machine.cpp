#include "actors/call_machine.hpp"

#include <algorithm>

namespace parley::calls {

namespace {

step refused(errc code) {
  step out;
  out.error = code;
  return out;
}

wire::shared_text ended_frame(id64 call_id, reason why) {
  return wire::shared_text{wire::call_ended_frame(call_id, to_string(why))};
}

} // namespace

const char* to_string(reason r) {
  switch (r) {
    case reason::busy: return "busy";
    case reason::answered_elsewhere: return "answered_elsewhere";
    case reason::rejected: return "rejected";
    case reason::rejected_elsewhere: return "rejected_elsewhere";
    case reason::cancelled: return "cancelled";
    case reason::timeout: return "timeout";
    case reason::hangup: return "hangup";
    case reason::disconnected: return "disconnected";
    case reason::failed: return "failed";
  }
  return "failed";
}

const char* to_string(result r) {
  switch (r) {
    case result::answered: return "answered";
    case result::missed: return "missed";
    case result::rejected: return "rejected";
    case result::busy: return "busy";
    case result::cancelled: return "cancelled";
  }
  return "missed";
}

failed_record failed_call(std::int64_t answered_ts, std::int64_t now) {
  if (answered_ts == 0)
    return {result::missed, 0};
  return {result::answered, std::max<std::int64_t>(0, now - answered_ts)};
}

call_machine::call_machine(call_setup setup, std::int64_t grace_ms)
  : setup_(std::move(setup)), grace_ms_(grace_ms) {
  caller_ = {setup_.caller, setup_.caller_device, setup_.caller_conn, 0};
  incoming_ = wire::shared_text{wire::call_incoming_frame(
    setup_.call_id, setup_.caller, setup_.caller_device, setup_.video, setup_.sdp,
    setup_.started_ts)};
  setup_.sdp.clear(); // it lives on in the frame
}

step call_machine::busy() {
  return finish(result::busy, 0, {{caller_.conn, reason::busy}}, reason::busy);
}

step call_machine::ring(const std::vector<std::pair<id64, conn_id>>& devices) {
  step out;
  if (phase_ != phase::ringing)
    return out;
  delivery fresh{{}, incoming_};
  for (auto [device, conn] : devices) {
    bool known = std::any_of(ringing_.begin(), ringing_.end(),
                             [&](auto& r) { return r.conn == conn; });
    if (known || conn == 0)
      continue;
    ringing_.push_back({device, conn});
    fresh.to.push_back(conn);
  }
  if (fresh.to.empty())
    return out;
  auto to = fresh.to;
  out.frames.push_back(std::move(fresh));
  for (auto& candidate : candidates_)
    out.frames.push_back({to, candidate});
  return out;
}

step call_machine::frame(const sender& who, wire::call_op op, std::string payload,
                         std::int64_t now) {
  using wire::call_op;
  if (phase_ == phase::ended)
    return refused(errc::no_such_call);
  switch (op) {
    case call_op::answer: return answer(who, std::move(payload), now);
    case call_op::reject: return decline(who);
    case call_op::hangup: return hangup(who, now);
    case call_op::ice:
    case call_op::update: return relay(who, op, std::move(payload));
    case call_op::resume: return resume(who);
    case call_op::offer: break;
  }
  return refused(errc::invalid_field);
}

bool call_machine::is_caller_conn(const sender& who) const {
  return who.user == caller_.user && who.device == caller_.device && who.conn == caller_.conn
         && who.conn != 0;
}

step call_machine::answer(const sender& who, std::string sdp, std::int64_t now) {
  if (who.user != setup_.callee)
    return refused(errc::no_such_call);
  if (phase_ == phase::answered)
    return refused(errc::call_already_answered);
  step out;
  out.answered = true;
  phase_ = phase::answered;
  answered_ts_ = now;
  callee_ = {who.user, who.device, who.conn, 0};
  out.frames.push_back({{caller_.conn},
                        wire::shared_text{wire::call_relay_frame(
                          "call.answer", setup_.call_id, "sdp", sdp, who.device)}});
  delivery elsewhere{{}, ended_frame(setup_.call_id, reason::answered_elsewhere)};
  for (auto& n : ringing_except(who.device, reason::answered_elsewhere))
    elsewhere.to.push_back(n.to);
  if (!elsewhere.to.empty())
    out.frames.push_back(std::move(elsewhere));
  ringing_.clear();
  candidates_.clear();
  return out;
}

step call_machine::decline(const sender& who) {
  if (who.user != setup_.callee)
    return refused(errc::no_such_call);
  if (phase_ == phase::answered)
    return refused(errc::call_already_answered);
  auto notices = ringing_except(who.device, reason::rejected_elsewhere);
  notices.insert(notices.begin(), {caller_.conn, reason::rejected});
  return finish(result::rejected, 0, std::move(notices), reason::rejected);
}

step call_machine::hangup(const sender& who, std::int64_t now) {
  if (phase_ == phase::ringing) {
    if (who.user == setup_.callee)
      return decline(who);
    if (!is_caller_conn(who))
      return refused(errc::no_such_call);
    return finish(result::cancelled, 0, ringing_except(0, reason::cancelled),
                  reason::cancelled);
  }
  auto* p = party_on(who.conn);
  if (!p || p->user != who.user || p->device != who.device)
    return refused(errc::no_such_call);
  std::vector<notice> notices;
  if (auto& o = other(*p); o.conn != 0)
    notices.push_back({o.conn, reason::hangup});
  return finish(result::answered, now - answered_ts_, std::move(notices), reason::hangup);
}

step call_machine::relay(const sender& who, wire::call_op op, std::string payload) {
  bool ice = op == wire::call_op::ice;
  if (phase_ == phase::ringing) {
    if (ice && is_caller_conn(who))
      return ring_ice(std::move(payload));
    bool caller_device = who.user == caller_.user && who.device == caller_.device;
    if (who.user == setup_.callee || (!ice && caller_device))
      return refused(errc::call_not_answered);
    return refused(errc::no_such_call);
  }
  auto* p = party_on(who.conn);
  if (!p || p->user != who.user || p->device != who.device)
    return refused(errc::no_such_call);
  step out;
  auto& o = other(*p);
  if (o.conn != 0) // in grace: dropped (media may still flow)
    out.frames.push_back(
      {{o.conn}, wire::shared_text{wire::call_relay_frame(
                   ice ? "call.ice" : "call.update", setup_.call_id,
                   ice ? "candidate" : "sdp", payload, who.device)}});
  return out;
}

step call_machine::ring_ice(std::string candidate) {
  if (candidates_.size() >= max_caller_candidates)
    return refused(errc::rate_limited);
  candidates_.emplace_back(wire::call_relay_frame("call.ice", setup_.call_id, "candidate",
                                                  candidate, caller_.device));
  step out;
  delivery d{{}, candidates_.back()};
  for (auto& r : ringing_)
    d.to.push_back(r.conn);
  if (!d.to.empty())
    out.frames.push_back(std::move(d));
  return out;
}

step call_machine::resume(const sender& who) {
  bool caller_device = who.user == caller_.user && who.device == caller_.device;
  if (phase_ == phase::ringing)
    return refused(caller_device || who.user == setup_.callee ? errc::call_not_answered
                                                                : errc::no_such_call);
  party* p = caller_device ? &caller_
                           : (who.user == callee_.user && who.device == callee_.device
                                ? &callee_
                                : nullptr);
  if (!p)
    return refused(errc::no_such_call);
  p->conn = who.conn;
  p->gone_ts = 0;
  step out;
  out.frames.push_back({{who.conn}, wire::shared_text{wire::call_resumed_frame(setup_.call_id)}});
  return out;
}

step call_machine::closed(conn_id conn, std::int64_t now) {
  step out;
  if (conn == 0 || phase_ == phase::ended)
    return out;
  if (phase_ == phase::ringing) {
    if (conn == caller_.conn)
      return finish(result::cancelled, 0, ringing_except(0, reason::cancelled),
                    reason::cancelled);
    ringing_.erase(std::remove_if(ringing_.begin(), ringing_.end(),
                                  [&](auto& r) { return r.conn == conn; }),
                   ringing_.end());
    return out;
  }
  if (auto* p = party_on(conn)) {
    p->conn = 0;
    p->gone_ts = now;
  }
  return out;
}

step call_machine::ring_timeout() {
  if (phase_ != phase::ringing)
    return {};
  auto notices = ringing_except(0, reason::timeout);
  notices.insert(notices.begin(), {caller_.conn, reason::timeout});
  return finish(result::missed, 0, std::move(notices), reason::timeout);
}

std::optional<std::int64_t> call_machine::grace_deadline() const {
  if (phase_ != phase::answered)
    return std::nullopt;
  std::optional<std::int64_t> first;
  for (auto* p : {&caller_, &callee_})
    if (p->conn == 0)
      first = std::min(first.value_or(p->gone_ts + grace_ms_), p->gone_ts + grace_ms_);
  return first;
}

step call_machine::grace_passed(std::int64_t now) {
  auto deadline = grace_deadline();
  if (!deadline || *deadline > now)
    return {};
  // The call ended when the connection whose grace ran out closed.
  auto end_ts = *deadline - grace_ms_;
  std::vector<notice> notices;
  for (auto* p : {&caller_, &callee_})
    if (p->conn != 0)
      notices.push_back({p->conn, reason::disconnected});
  return finish(result::answered, std::max<std::int64_t>(0, end_ts - answered_ts_),
                std::move(notices), reason::disconnected);
}

std::vector<conn_id> call_machine::connections() const {
  std::vector<conn_id> out;
  if (phase_ == phase::ended)
    return out;
  if (caller_.conn != 0)
    out.push_back(caller_.conn);
  if (phase_ == phase::ringing)
    for (auto& r : ringing_)
      out.push_back(r.conn);
  else if (callee_.conn != 0)
    out.push_back(callee_.conn);
  return out;
}

step call_machine::finish(result res, std::int64_t duration_ms, std::vector<notice> notices,
                          reason for_caller) {
  step out;
  phase_ = phase::ended;
  notices.erase(std::remove_if(notices.begin(), notices.end(),
                               [](auto& n) { return n.to == 0; }),
                notices.end());
  out.end = ending{res, duration_ms, std::move(notices), for_caller};
  ringing_.clear();
  candidates_.clear();
  return out;
}

std::vector<notice> call_machine::ringing_except(id64 device, reason why) const {
  std::vector<notice> out;
  for (auto& r : ringing_)
    if (r.device != device)
      out.push_back({r.conn, why});
  return out;
}

call_machine::party* call_machine::party_on(conn_id conn) {
  if (conn == 0 || phase_ != phase::answered)
    return nullptr;
  if (caller_.conn == conn)
    return &caller_;
  if (callee_.conn == conn)
    return &callee_;
  return nullptr;
}

call_machine::party& call_machine::other(const party& p) {
  return &p == &caller_ ? callee_ : caller_;
}

} // namespace parley::calls
