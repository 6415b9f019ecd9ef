#pragma once
// A device's presence relations, shared by the two actors that serve a
// device: the websocket session and the long-poll poller. Both keep, in
// their state, `ctx`, `directory`, `queries`, `me`,
//   caf::actor presence;   // their own user's presence actor (see attach)
// and, for the users they watch,
//   std::unordered_map<id64, caf::actor> watching;
// (watched users and the presence actor each is watched through; null
// while the subscription is being set up), and answer
//   (resub_atom)                      who may see whom changed: all again
//   (resub_atom, vector<id64> users)  these again
// by calling resubscribe / resubscribe_all. A watched presence actor that
// dies is noticed with rewatch_dead() in the down handler.
//
// Included only by actors/session.cpp and actors/poller.cpp (CAF-heavy).
#include <caf/all.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "actors/store_messages.hpp"
#include "actors/delivery_messages.hpp"

namespace parley::presence_watch {

// Attaches the device to its user's presence actor, through which it gets
// deliveries and counts as online; `attached()` runs once it is. Without it
// the device would get nothing, so a failure is retried after 200 ms by an
// (online_atom) to itself, which the actor answers by attaching again.
template <class Self, class Attached>
void attach(Self self, Attached attached) {
  auto& st = self->state;
  self->request(st.directory, st.ctx->request_timeout, online_atom::value, st.me.user_id,
                st.me.device_id, caf::actor{self})
    .then(
      [=](caf::actor& presence) {
        if (presence != self->state.presence) // attaching again: monitored already
          self->monitor(presence);
        self->state.presence = presence;
        attached();
      },
      [=](caf::error&) {
        self->delayed_send(self, std::chrono::milliseconds(200), online_atom::value);
      });
}

// Whether watching `users` too stays within the per-device limit.
template <class State>
bool within_limit(const State& st, const std::vector<id64>& users) {
  auto added = std::count_if(users.begin(), users.end(),
                             [&](id64 u) { return st.watching.count(u) == 0; });
  return st.watching.size() + static_cast<std::size_t>(added) <= st.ctx->max_subscriptions;
}

inline std::string too_many_message(std::size_t limit) {
  return "a device may watch at most " + std::to_string(limit) + " users (nothing subscribed)";
}

// Subscribes to `users` with the viewer's current privacy setting and
// contact flags; `done(ok)` afterwards. Each presence actor answers at once
// with a `presence` frame. `asked`: the client asked (an unknown user
// rejects the whole request, and `fail(code, message)` reports errors);
// otherwise this is a re-subscription of users still watched.
template <class Self, class Fail, class Done>
void subscribe(Self self, std::vector<id64> users, bool asked, Fail fail, Done done) {
  auto& st = self->state;
  // (mutable: `done` may deliver a response promise)
  auto failed = [=](caf::error& err) mutable {
    if (asked)
      fail(wire_code(err), describe(err));
    done(false);
  };
  self->request(st.queries, st.ctx->request_timeout, targets_atom::value, st.me.user_id,
                users)
    .then(
      [=](presence_view& view) mutable {
        auto& st = self->state;
        if (asked && view.targets.size() < users.size()) {
          for (auto user : users) {
            auto known = std::any_of(view.targets.begin(), view.targets.end(),
                                     [&](auto& t) { return t.user == user; });
            if (!known) {
              fail("no_such_user",
                   "no such user: " + id_to_string(user) + " (nothing subscribed)");
              break;
            }
          }
          return done(false);
        }
        // Watch only what is still wanted (an unsubscribe may have come
        // first, for a re-subscription).
        auto& targets = view.targets;
        targets.erase(std::remove_if(targets.begin(), targets.end(),
                                     [&](auto& t) {
                                       return !asked && st.watching.count(t.user) == 0;
                                     }),
                      targets.end());
        for (auto& t : targets)
          st.watching.try_emplace(t.user);
        self->request(st.directory, st.ctx->request_timeout, subscribe_atom::value,
                      targets, st.me.user_id, view.viewer_privacy, caf::actor{self})
          .then(
            [=](std::vector<caf::actor>& presences) mutable {
              auto& watching = self->state.watching;
              for (std::size_t i = 0; i < presences.size(); ++i) {
                auto it = watching.find(targets[i].user);
                if (it == watching.end() || it->second == presences[i])
                  continue;
                it->second = presences[i];
                self->monitor(presences[i]);
              }
              done(true);
            },
            failed);
      },
      failed);
}

template <class Self>
void unsubscribe(Self self, const std::vector<id64>& users) {
  auto& st = self->state;
  for (auto user : users) {
    auto it = st.watching.find(user);
    if (it == st.watching.end())
      continue;
    if (it->second)
      self->send(it->second, unsub_atom::value);
    st.watching.erase(it);
  }
}

// Subscribes again to `users` (their presence actor died, or who may see
// whom changed); retried until it works, since the client is not asking.
template <class Self>
void resubscribe(Self self, std::vector<id64> users) {
  auto& st = self->state;
  users.erase(std::remove_if(users.begin(), users.end(),
                             [&](id64 u) { return st.watching.count(u) == 0; }),
              users.end());
  if (users.empty())
    return;
  subscribe(
    self, users, false, [](const std::string&, const std::string&) {},
    [=](bool ok) {
      if (!ok)
        self->delayed_send(self, std::chrono::seconds(1), resub_atom::value, users);
    });
}

template <class Self>
void resubscribe_all(Self self) {
  std::vector<id64> users;
  for (auto& [user, actor] : self->state.watching)
    users.push_back(user);
  resubscribe(self, std::move(users));
}

// Watched users whose presence actor died: subscribed again, and the new
// actor sends their current presence (no reconnect needed). True if the
// dead actor was one of them.
template <class Self>
bool rewatch_dead(Self self, const caf::actor_addr& dead) {
  std::vector<id64> rewatch;
  for (auto& [user, actor] : self->state.watching) {
    if (actor && actor.address() == dead) {
      actor = nullptr;
      rewatch.push_back(user);
    }
  }
  if (rewatch.empty())
    return false;
  resubscribe(self, std::move(rewatch));
  return true;
}

} // namespace parley::presence_watch
