#include "actors/presence.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "actors/atoms.hpp"
#include "actors/store_messages.hpp"
#include "actors/delivery_messages.hpp"
#include "actors/presence_state.hpp"
#include "actors/send_budget.hpp"
#include "wire/ws_link.hpp"
#include "wire/json_out.hpp"
#include "wire/metrics.hpp"

namespace parley {

namespace {

using namespace pres;

// --- who may see what ---------------------------------------------------------------

bool setting_allows(const std::string& setting, bool contact) {
  return setting == "everyone" || (setting == "contacts" && contact);
}

// As on WhatsApp: you see someone's presence only if their setting lets
// you, and (reciprocity) yours would let them see you. Everyone sees
// themself.
bool may_see(const presence_state& st, const subscriber& sub) {
  if (sub.viewer == st.user)
    return true;
  auto& b = st.blocked;
  return std::find(b.begin(), b.end(), sub.viewer) == b.end()
         && setting_allows(st.privacy, sub.contact)
         && setting_allows(sub.viewer_privacy, sub.contact);
}

// The two frames a watcher may get: built once per change and shared (as
// one CAF message) by every watcher that gets it.
struct presence_frames {
  caf::message visible;
  caf::message hidden;
};

presence_frames frames_of(const presence_state& st) {
  return {caf::make_message(deliver_atom::value,
                            wire::shared_text{wire::presence_frame(
                              st.user, !st.sessions.empty(), st.last_seen)}),
          caf::make_message(deliver_atom::value,
                            wire::shared_text{wire::presence_frame(st.user, false, 0)})};
}

void tell(presence_ptr self, const subscriber& sub, const presence_frames& frames) {
  wire::metrics::get().presence_notifications.fetch_add(1, std::memory_order_relaxed);
  self->send(sub.session, may_see(self->state, sub) ? frames.visible : frames.hidden);
}

void tell(presence_ptr self, const subscriber& sub) {
  tell(self, sub, frames_of(self->state));
}

// Costs nothing when nobody watches.
void tell_all(presence_ptr self) {
  auto& st = self->state;
  if (!st.loaded || st.subscribers.empty())
    return; // everyone gets the state once it is loaded
  auto frames = frames_of(st);
  for (auto& [addr, sub] : st.subscribers)
    tell(self, sub, frames);
}

// --- sessions ------------------------------------------------------------------

// To every live session but the sending device's, through the session
// actor, which keeps each conversation's frames in order and complete
// (actors/live_order.hpp). `deliver` is one message for all of them.
void deliver(presence_ptr self, id64 except_device, const caf::message& deliver) {
  for (auto& s : self->state.sessions)
    if (s.device != except_device)
      self->send(s.session, deliver);
}

// The user went online or offline: tell the watchers.
void announce_change(presence_ptr self) {
  wire::metrics::get().presence_changes.fetch_add(1, std::memory_order_relaxed);
  tell_all(self);
}

void seen(presence_state& st, std::int64_t ts) {
  st.last_seen = std::max(st.last_seen, ts);
}

// Attaching again (after a ring change) changes nothing.
void attach(presence_ptr self, id64 device, const caf::actor& session) {
  auto& st = self->state;
  for (auto& s : st.sessions)
    if (s.session == session)
      return;
  self->monitor(session);
  bool was_offline = st.sessions.empty();
  st.sessions.push_back({device, session});
  seen(st, unix_now_ms());
  if (was_offline)
    announce_change(self);
  ring_new_device(self, device, session);
}

// A session ended: `ts` is its last activity (for one that was killed, now).
void detach(presence_ptr self, const caf::actor_addr& who, std::int64_t ts) {
  auto& st = self->state;
  auto before = st.sessions.size();
  st.sessions.erase(std::remove_if(st.sessions.begin(), st.sessions.end(),
                                   [&](auto& s) { return s.session.address() == who; }),
                    st.sessions.end());
  if (st.sessions.size() == before)
    return;
  seen(st, ts);
  if (st.sessions.empty()) {
    st.unused_since = steady_clock::now();
    announce_change(self);
  }
}

void on_down(presence_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  if (call_down(self, dm))
    return;
  detach(self, dm.source, unix_now_ms());
  if (st.subscribers.erase(dm.source) > 0 && st.subscribers.empty())
    st.unused_since = steady_clock::now();
}

void set_block(presence_state& st, id64 other, bool on) {
  auto& b = st.blocked;
  b.erase(std::remove(b.begin(), b.end(), other), b.end());
  if (on)
    b.push_back(other);
}

// --- stored state ------------------------------------------------------------------

void load(presence_ptr self) {
  auto& st = self->state;
  self->request(st.directory, st.ctx->store_timeout, presload_atom::value, st.user)
    .then(
      [=](const presence_record& rec) {
        auto& st = self->state;
        st.loaded = true;
        st.privacy = st.privacy_set_while_loading.empty() ? rec.privacy
                                                         : st.privacy_set_while_loading;
        st.flushed = rec.last_seen;
        st.blocked = rec.blocked;
        for (auto [other, on] : std::exchange(st.blocks_while_loading, {}))
          set_block(st, other, on);
        seen(st, rec.last_seen);
        tell_all(self);
      },
      [=](caf::error& err) {
        spdlog::debug("presence {}: load failed ({}), retrying", self->state.user,
                      self->system().render(err));
        self->delayed_send(self, seconds(1), presload_atom::value);
      });
}

// Writes last seen back if it moved; `done(ok)` when PostgreSQL has it.
template <class Done>
void flush(presence_ptr self, Done done) {
  auto& st = self->state;
  if (!st.loaded || st.flushing || st.last_seen <= st.flushed)
    return done(st.last_seen <= st.flushed);
  st.flushing = true;
  auto value = st.last_seen;
  self->request(st.directory, st.ctx->store_timeout, last_seen_atom::value, st.user, value)
    .then(
      [=](bool) mutable {
        auto& st = self->state;
        st.flushing = false;
        st.flushed = std::max(st.flushed, value);
        wire::metrics::get().last_seen_writes.fetch_add(1, std::memory_order_relaxed);
        done(true);
      },
      [=](caf::error&) mutable {
        self->state.flushing = false; // the next tick tries again
        done(false);
      });
}

bool unused(const presence_state& st) {
  return st.sessions.empty() && st.subscribers.empty() && !st.flushing && calls_idle(st)
         && st.last_seen <= st.flushed
         && steady_clock::now() - st.unused_since >= st.ctx->presence_idle;
}

// Flushes last seen, and leaves once nobody has used this actor for a
// while. A session that attaches meanwhile sees it go down and attaches
// again through the directory, which by then has forgotten this one.
void tick(presence_ptr self) {
  auto& st = self->state;
  flush(self, [](bool) {});
  st.offers.expire(unix_now_ms());
  if (unused(st)) {
    self->request(st.directory, st.ctx->store_timeout, retire_atom::value, st.user)
      .then([=](bool) { self->quit(); }, [=](caf::error&) { self->quit(); });
    return;
  }
  auto period = std::min<milliseconds>(st.ctx->last_seen_flush,
                                       duration_cast<milliseconds>(st.ctx->presence_idle) / 2);
  self->delayed_send(self, period, tick_atom::value);
}

// --- subscriptions and privacy ---------------------------------------------------------

void subscribe(presence_ptr self, subscriber sub) {
  auto& st = self->state;
  auto addr = sub.session.address();
  if (st.subscribers.count(addr) == 0)
    self->monitor(sub.session);
  auto& entry = st.subscribers[addr] = std::move(sub);
  if (st.loaded)
    tell(self, entry);
}

// This user's setting changed: watchers may see more or less, and (by
// reciprocity) so may this user, whose sessions subscribe again.
void change_privacy(presence_ptr self, const std::string& setting) {
  auto& st = self->state;
  if (!st.loaded)
    st.privacy_set_while_loading = setting;
  st.privacy = setting;
  tell_all(self);
  for (auto& s : st.sessions)
    self->send(s.session, resub_atom::value);
}

// This user's contacts changed (a conversation was created or a group
// changed): who counts as a contact is decided afresh, by subscribing again.
void contacts_changed(presence_ptr self) {
  auto& st = self->state;
  std::vector<id64> me{st.user};
  for (auto& [addr, sub] : st.subscribers)
    self->send(sub.session, resub_atom::value, me);
  for (auto& s : st.sessions)
    self->send(s.session, resub_atom::value);
}

caf::behavior presence(presence_ptr self, context_ptr ctx, caf::actor directory,
                       caf::actor notifier, id64 user) {
  auto& st = self->state;
  st.ctx = ctx;
  st.directory = std::move(directory);
  st.notifier = std::move(notifier);
  st.user = user;
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  load(self);
  self->send(self, tick_atom::value);
  caf::message_handler handlers{
    [=](online_atom, id64 device, const caf::actor& session) {
      attach(self, device, session);
    },
    [=](offline_atom, std::int64_t last_active) {
      detach(self, caf::actor_cast<caf::actor_addr>(self->current_sender()), last_active);
    },
    [=](touch_atom, std::int64_t ts) { seen(self->state, ts); },
    [=](reserve_atom, std::int32_t want) -> std::int32_t {
      auto& st = self->state;
      if (!st.budget)
        st.budget.emplace(st.ctx->user_send_rate, st.ctx->user_send_burst,
                          steady_clock::now());
      return st.budget->lease(want, steady_clock::now());
    },
    [=](subscribe_atom, const caf::actor& session, id64 viewer,
        const std::string& viewer_privacy, bool contact) {
      subscribe(self, {session, viewer, viewer_privacy, contact});
    },
    [=](unsub_atom) {
      auto& st = self->state;
      if (st.subscribers.erase(caf::actor_cast<caf::actor_addr>(self->current_sender())) > 0
          && st.subscribers.empty())
        st.unused_since = steady_clock::now();
    },
    [=](privacy_atom, const std::string& setting) { change_privacy(self, setting); },
    [=](contacts_atom) { contacts_changed(self); },
    [=](block_atom, id64 other, bool on) {
      auto& st = self->state;
      if (!st.loaded)
        st.blocks_while_loading.emplace_back(other, on);
      set_block(st, other, on);
      tell_all(self);
    },
    [=](deliver_atom, id64 except_device, const wire::shared_text& frame) {
      deliver(self, except_device, caf::make_message(deliver_atom::value, frame));
    },
    [=](deliver_atom, id64 except_device, const wire::device_frames& frame,
        const push_note& note) {
      deliver(self, except_device, caf::make_message(deliver_atom::value, frame, note));
      auto& st = self->state;
      // Offline (no websocket, no long-poll): the push gateway wakes a
      // device. The sender's own devices are never woken by their message.
      if (st.sessions.empty() && note.from != st.user && st.notifier)
        self->send(st.notifier, push_atom::value, st.user, note);
    },
    // A claim left one of this user's devices short of one-time prekeys.
    [=](keys_low_atom, id64 device, std::int64_t remaining) {
      auto frame = caf::make_message(deliver_atom::value,
                                     wire::shared_text{wire::keys_low_frame(remaining)});
      for (auto& s : self->state.sessions)
        if (s.device == device)
          self->send(s.session, frame);
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
    [=](presload_atom) { load(self); },
    [=](tick_atom) { tick(self); },
    // The ring moved this user to another node: last seen is written back,
    // then this actor leaves; its sessions and watchers see it go down and
    // attach again through the directory, at the new home.
    [=](rehome_atom) {
      flush(self, [=](bool) { self->quit(); });
    },
    // Shutdown: last seen reaches PostgreSQL before the node exits.
    [=](drain_atom) {
      auto rp = self->make_response_promise<bool>();
      flush(self, [rp](bool ok) mutable { rp.deliver(ok); });
      return rp;
    },
  };
  return handlers.or_else(call_protocol(self));
}

} // namespace

caf::actor spawn_presence(caf::actor_system& sys, context_ptr ctx,
                          caf::actor directory, caf::actor notifier, id64 user) {
  return sys.spawn(presence, std::move(ctx), std::move(directory), std::move(notifier),
                   user);
}

} // namespace parley
