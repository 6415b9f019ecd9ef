#include "actors/presence.hpp"

#include <caf/all.hpp>

#include <vector>

#include "actors/messages.hpp"

namespace parley {

namespace {

using namespace std::chrono;

struct live_session {
  id64 device;
  caf::actor session;
};

struct presence_state {
  context_ptr ctx;
  caf::actor directory;
  id64 user = 0;
  std::vector<live_session> sessions;
  steady_clock::time_point empty_since = steady_clock::now();
  static inline const char* name = "presence";
};

using presence_ptr = caf::stateful_actor<presence_state>*;

void drop_session(presence_ptr self, const caf::actor_addr& who) {
  auto& sessions = self->state.sessions;
  sessions.erase(std::remove_if(sessions.begin(), sessions.end(),
                                [&](auto& s) { return s.session.address() == who; }),
                 sessions.end());
  if (sessions.empty())
    self->state.empty_since = steady_clock::now();
}

// Leaves once no session has been attached for a while. A session that
// attaches meanwhile sees this actor go down and attaches again through the
// directory, which by then has forgotten this one.
void check_idle(presence_ptr self) {
  auto& st = self->state;
  if (st.sessions.empty() && steady_clock::now() - st.empty_since >= st.ctx->presence_idle) {
    self->request(st.directory, st.ctx->store_timeout, retire_atom::value, st.user)
      .then([=](bool) { self->quit(); }, [=](caf::error&) { self->quit(); });
    return;
  }
  self->delayed_send(self, st.ctx->presence_idle / 2, tick_atom::value);
}

caf::behavior presence(presence_ptr self, context_ptr ctx, caf::actor directory,
                       id64 user) {
  auto& st = self->state;
  st.ctx = ctx;
  st.directory = std::move(directory);
  st.user = user;
  self->set_down_handler([=](caf::down_msg& dm) { drop_session(self, dm.source); });
  self->delayed_send(self, ctx->presence_idle / 2, tick_atom::value);
  return {
    [=](online_atom, id64 device, const caf::actor& session) {
      self->monitor(session);
      self->state.sessions.push_back({device, session});
    },
    [=](deliver_atom, id64 except_device, const std::string& frame) {
      for (auto& s : self->state.sessions)
        if (s.device != except_device)
          self->send(s.session, deliver_atom::value, frame);
    },
    [=](revoke_atom, id64 device) {
      for (auto& s : self->state.sessions)
        if (s.device == device)
          self->send(s.session, revoke_atom::value);
    },
    [=](fault_atom, const std::string&) {
      for (auto& s : self->state.sessions)
        self->send_exit(s.session, caf::exit_reason::kill);
    },
    [=](tick_atom) { check_idle(self); },
  };
}

} // namespace

caf::actor spawn_presence(caf::actor_system& sys, context_ptr ctx,
                          caf::actor directory, id64 user) {
  return sys.spawn(presence, std::move(ctx), std::move(directory), user);
}

} // namespace parley
