#include "actors/call.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <optional>
#include <unordered_map>

#include "actors/atoms.hpp"
#include "actors/call_machine.hpp"
#include "actors/call_messages.hpp"
#include "actors/call_record.hpp"
#include "actors/errors.hpp"
#include "wire/call_frames.hpp"
#include "wire/metrics.hpp"

namespace parley {

namespace {

using namespace std::chrono;
using calls::conn_id;

struct call_state {
  context_ptr ctx;
  caf::actor directory;
  caf::actor queries;
  caf::actor notifier;
  std::optional<calls::call_machine> machine; // from the accepted offer on
  call_summary summary;
  caf::actor caller_presence;
  caf::actor callee_presence;
  // The sessions this call has heard from or written to, as connections.
  std::unordered_map<conn_id, caf::actor> sessions;
  std::unordered_map<caf::actor_addr, conn_id> conn_of;
  conn_id next_conn = 1;
  std::vector<conn_id> bound; // told they would hear of this actor's death
  std::int64_t grace_armed = 0;
  // Counted in parley_calls_active; shared with the exit hook, which runs
  // after the state is gone.
  std::shared_ptr<bool> active = std::make_shared<bool>(false);
  // Ending: the call.ended frames, sent once the record commits (or 3 s).
  std::optional<calls::ending> end;
  bool ended_sent = false;
  static inline const char* name = "call";
};

using call_ptr = caf::stateful_actor<call_state>*;

conn_id conn_for(call_ptr self, const caf::actor& session) {
  auto& st = self->state;
  auto addr = session.address();
  if (auto it = st.conn_of.find(addr); it != st.conn_of.end())
    return it->second;
  auto conn = st.next_conn++;
  st.conn_of.emplace(addr, conn);
  st.sessions.emplace(conn, session);
  self->monitor(session);
  return conn;
}

conn_id sender_conn(call_ptr self) {
  return conn_for(self, caf::actor_cast<caf::actor>(self->current_sender()));
}

void deliver(call_ptr self, const std::vector<conn_id>& to, const wire::shared_text& frame) {
  auto msg = caf::make_message(deliver_atom::value, frame);
  for (auto conn : to)
    if (auto it = self->state.sessions.find(conn); it != self->state.sessions.end())
      self->send(it->second, msg);
}

void bind(call_ptr self, conn_id conn, bool bound) {
  auto& st = self->state;
  if (auto it = st.sessions.find(conn); it != st.sessions.end())
    self->send(it->second, callbind_atom::value, st.summary, bound);
}

// Sessions that would hear of this actor's death are told so, and told
// again when the summary changes (answered).
void sync_bindings(call_ptr self, bool summary_changed) {
  auto& st = self->state;
  auto now_bound = st.machine->connections();
  for (auto conn : st.bound)
    if (std::find(now_bound.begin(), now_bound.end(), conn) == now_bound.end())
      bind(self, conn, false);
  for (auto conn : now_bound)
    if (summary_changed || std::find(st.bound.begin(), st.bound.end(), conn) == st.bound.end())
      bind(self, conn, true);
  st.bound = std::move(now_bound);
}

void tell_presences(call_ptr self, const std::string& state, const std::string& reason) {
  auto& st = self->state;
  for (auto* p : {&st.caller_presence, &st.callee_presence})
    if (*p)
      self->send(*p, callstate_atom::value, st.summary, state, reason);
}

void set_active(call_ptr self, bool on) {
  auto& active = *self->state.active;
  if (active != on)
    wire::metrics::get().calls_active.fetch_add(on ? 1 : -1);
  active = on;
}

void send_ended(call_ptr self) {
  auto& st = self->state;
  if (st.ended_sent)
    return;
  st.ended_sent = true;
  for (auto& n : st.end->notices)
    deliver(self, {n.to},
            wire::shared_text{wire::call_ended_frame(st.summary.call_id, to_string(n.why))});
  for (auto conn : st.bound)
    bind(self, conn, false);
  st.bound.clear();
  set_active(self, false);
}

// The record first, then the call.ended frames (at most 3 s later); a
// record the database did not take in time is handed to a recorder.
void finish(call_ptr self, calls::ending end) {
  auto& st = self->state;
  std::string result = to_string(end.res);
  auto duration = end.duration_ms;
  st.end = std::move(end);
  // The bound sessions stay bound until their call.ended goes out: if this
  // actor died meanwhile, they would say `failed`.
  tell_presences(self, "ended", to_string(st.end->for_caller));
  self->delayed_send(self, st.ctx->call_record_wait, record_atom::value);
  write_call_record(self, st.directory, st.ctx->request_timeout, st.summary, result, duration,
                    [=](const caf::error& err, bool fresh) {
                      auto& st = self->state;
                      bool late = st.ended_sent;
                      send_ended(self);
                      if (err) {
                        spdlog::warn("call {}: record not stored ({}), retrying",
                                     st.summary.call_id, self->system().render(err));
                        spawn_call_recorder(self->system(), st.directory,
                                            st.ctx->request_timeout, st.summary, result,
                                            duration, true);
                      } else if (fresh) {
                        wire::metrics::get().call_recorded(result);
                        if (late)
                          wire::metrics::get().call_records_late.fetch_add(1);
                      }
                      self->quit();
                    });
}

void arm_grace(call_ptr self) {
  auto& st = self->state;
  auto deadline = st.machine->grace_deadline();
  if (!deadline || *deadline == st.grace_armed)
    return;
  st.grace_armed = *deadline;
  auto wait = std::max<std::int64_t>(0, *deadline - unix_now_ms());
  self->delayed_send(self, milliseconds(wait), grace_atom::value, *deadline);
}

void apply(call_ptr self, calls::step step) {
  auto& st = self->state;
  for (auto& d : step.frames)
    deliver(self, d.to, d.frame);
  if (step.answered) {
    st.summary.answered_ts = st.machine->answered_ts();
    wire::metrics::get().call_answered(st.summary.answered_ts - st.summary.started_ts);
    tell_presences(self, "answered", "");
  }
  if (step.end)
    return finish(self, std::move(*step.end));
  sync_bindings(self, step.answered);
  arm_grace(self);
}

void ring(call_ptr self, const ring_reply& reply) {
  auto& st = self->state;
  std::vector<std::pair<id64, conn_id>> devices;
  for (std::size_t i = 0; i < reply.sessions.size() && i < reply.devices.size(); ++i)
    devices.emplace_back(reply.devices[i], conn_for(self, reply.sessions[i]));
  self->delayed_send(self, st.ctx->call_ring_timeout, timeout_atom::value);
  set_active(self, true);
  apply(self, st.machine->ring(devices));
}

// The offer accepted: call.created first, then busy or ringing.
void accept(call_ptr self, const call_request& req, const caf::actor& caller_session,
            const ring_reply& reply) {
  auto& st = self->state;
  auto caller_conn = conn_for(self, caller_session);
  deliver(self, {caller_conn},
          wire::shared_text{wire::call_created_frame(req.client_id, req.call_id)});
  st.machine.emplace(calls::call_setup{req.call_id, req.caller, req.caller_device, caller_conn,
                                       req.callee, req.video, req.sdp, st.summary.started_ts},
                     st.ctx->call_reconnect_grace.count());
  tell_presences(self, "ringing", "");
  if (reply.busy)
    return apply(self, st.machine->busy());
  ring(self, reply);
}

// Checks the offer (the callee exists, no block either way), finds both
// presence actors and asks the callee's to ring.
caf::result<bool> start(call_ptr self, call_request req) {
  auto& st = self->state;
  // Before the promise, which takes the sender over from the message.
  auto caller_session = caf::actor_cast<caf::actor>(self->current_sender());
  auto rp = self->make_response_promise<bool>();
  st.summary = {req.call_id, req.caller, req.caller_device, req.callee, req.video,
                unix_now_ms(), 0};
  auto refuse = [=](caf::error& err) mutable {
    rp.deliver(err);
    self->quit();
  };
  auto timeout = st.ctx->request_timeout;
  auto ask_presence = [=](id64 user, auto then) {
    self->request(self->state.directory, timeout, presence_atom::value, user)
      .then([=](caf::actor& presence) mutable { then(presence); }, refuse);
  };
  self->request(st.queries, timeout, callcheck_atom::value, req.caller, req.callee)
    .then(
      [=](bool) {
        ask_presence(req.caller, [=](caf::actor& caller) {
          self->state.caller_presence = caller;
          ask_presence(req.callee, [=](caf::actor& callee) {
            self->state.callee_presence = callee;
            self->request(callee, timeout, callring_atom::value, self->state.summary)
              .then(
                [=](ring_reply& reply) mutable {
                  rp.deliver(true);
                  accept(self, req, caller_session, reply);
                },
                refuse);
          });
        });
      },
      refuse);
  return rp;
}

caf::result<bool> on_frame(call_ptr self, call_input& in) {
  auto& st = self->state;
  if (!st.machine || st.end)
    return make_error(errc::no_such_call);
  calls::sender who{in.user, in.device, sender_conn(self)};
  auto step = st.machine->frame(who, static_cast<wire::call_op>(in.op), std::move(in.payload),
                                unix_now_ms());
  if (step.error)
    return make_error(*step.error);
  apply(self, std::move(step));
  return true;
}

void on_down(call_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  if (dm.source == st.directory.address()) {
    self->quit(); // the node is stopping
    return;
  }
  auto it = st.conn_of.find(dm.source);
  if (it == st.conn_of.end())
    return; // a presence actor: the call goes on
  auto conn = it->second;
  st.conn_of.erase(it);
  st.sessions.erase(conn);
  if (st.machine && !st.end)
    apply(self, st.machine->closed(conn, unix_now_ms()));
}

caf::behavior call(call_ptr self, context_ptr ctx, caf::actor directory, caf::actor queries,
                   caf::actor notifier) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.directory = std::move(directory);
  st.queries = std::move(queries);
  st.notifier = std::move(notifier);
  self->monitor(st.directory);
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  // A call whose offer never reaches it (its session died in between)
  // does not linger.
  self->delayed_send(self, st.ctx->request_timeout * 2, tick_atom::value);
  self->attach_functor([active = st.active](const caf::error&) {
    if (*active) // killed while ringing or answered
      wire::metrics::get().calls_active.fetch_sub(1);
  });
  return {
    [=](call_atom, call_request& req) { return start(self, std::move(req)); },
    [=](call_atom, call_input& in) { return on_frame(self, in); },
    [=](calljoin_atom, id64 device, const caf::actor& session) {
      auto& st = self->state;
      if (st.machine && !st.end)
        apply(self, st.machine->ring({{device, conn_for(self, session)}}));
    },
    [=](timeout_atom) {
      auto& st = self->state;
      if (st.machine && !st.end)
        apply(self, st.machine->ring_timeout());
    },
    [=](grace_atom, std::int64_t deadline) {
      auto& st = self->state;
      if (st.machine && !st.end)
        apply(self, st.machine->grace_passed(std::max(deadline, unix_now_ms())));
    },
    [=](record_atom) {
      if (self->state.end)
        send_ended(self);
    },
    [=](tick_atom) {
      if (!self->state.machine)
        self->quit();
    },
  };
}

} // namespace

caf::actor spawn_call(caf::actor_system& sys, context_ptr ctx, caf::actor directory,
                      caf::actor queries, caf::actor notifier) {
  return sys.spawn(call, std::move(ctx), std::move(directory), std::move(queries),
                   std::move(notifier));
}

} // namespace parley
