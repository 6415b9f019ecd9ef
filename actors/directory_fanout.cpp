// Fan-out: frames and notices to users' presence actors wherever they live
// (one relayed message per other node), presence subscriptions gathered
// across nodes, and blocks told to the pair's conversation.
#include "actors/directory_state.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <memory>

#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "wire/metrics.hpp"

namespace parley::dir {

using namespace std::chrono;
using wire::metrics;

// Sends `msg` to the presence actors of `users` that exist here (nobody is
// watching the others, and their state is in PostgreSQL).
void tell_local_presences(directory_ptr self, const std::vector<id64>& users,
                          const caf::message& msg) {
  auto& presences = self->state.presences;
  for (auto user : users)
    if (auto it = presences.find(user); it != presences.end())
      self->send(it->second, msg);
}

// Splits `users` by home node: `here(group)` for this node's, and
// `there(directory, group)` once per other live node (a node the ring
// still names but that is gone gets nothing: its users sync on reconnect).
template <class Here, class There>
void for_each_home(directory_ptr self, const std::vector<id64>& users, Here here,
                   There there) {
  auto& st = self->state;
  for (auto& [node, group] : st.place.by_home(users)) {
    if (node == st.ctx->node_id) {
      here(group);
    } else if (auto dir = st.place.peer(node)) {
      metrics::get().cluster_remote_sends.fetch_add(1, std::memory_order_relaxed);
      there(dir, group);
    }
  }
}

// Sends `msg` to the presence actors of `users`, wherever they live: one
// relayed message per other node.
void tell_presences(directory_ptr self, const std::vector<id64>& users,
                    const caf::message& msg) {
  for_each_home(
    self, users, [&](const std::vector<id64>& group) { tell_local_presences(self, group, msg); },
    [&](const caf::actor& dir, const std::vector<id64>& group) {
      self->send(dir, relayed_atom::value, presence_atom::value, group, msg);
    });
}

// A message to users' devices, here. Every live session is attached to its
// user's presence actor, so a user without one has no live device: the
// push notifier wakes them (never the sender, who just wrote it).
// `msg` is (deliver_atom, except_device, frame, note).
void deliver_here(directory_ptr self, const std::vector<id64>& users, const caf::message& msg,
                  const push_note& note) {
  auto& st = self->state;
  for (auto user : users) {
    if (auto it = st.presences.find(user); it != st.presences.end())
      self->send(it->second, msg);
    else if (st.notifier && user != note.from)
      self->send(st.notifier, push_atom::value, user, note);
  }
}

// A message to users' devices, wherever their presence actors live: the
// frame crosses to each other node once, not once per user. `msg` is
// (deliver_atom, except_device, frame, note).
void deliver_message(directory_ptr self, const std::vector<id64>& users, const caf::message& msg) {
  auto except_device = msg.get_as<id64>(1);
  auto& frame = msg.get_as<wire::device_frames>(2);
  auto& note = msg.get_as<push_note>(3);
  for_each_home(
    self, users,
    [&](const std::vector<id64>& group) { deliver_here(self, group, msg, note); },
    [&](const caf::actor& dir, const std::vector<id64>& group) {
      self->send(dir, relayed_atom::value, fanout_atom::value, group, except_device, frame,
                 note);
    });
}

// The presence actors of `users` on this node, in order; null for a user
// with none here.
std::vector<caf::actor> presences_here(const directory_state& st,
                                       const std::vector<id64>& users) {
  std::vector<caf::actor> out;
  out.reserve(users.size());
  for (auto user : users) {
    auto it = st.presences.find(user);
    out.push_back(it == st.presences.end() ? caf::actor{} : it->second);
  }
  return out;
}

// A conversation's fan-out of `deliver` (deliver_atom, except_device, frame
// [, push_note]): delivered as any other, then answered with the presence
// actors it went to here, which the conversation sends to itself from then
// on. They are named only after the frame was handed to them, so a frame
// the conversation sends straight afterwards arrives after this one.
std::vector<caf::actor> route(directory_ptr self, const std::vector<id64>& users,
                              const caf::message& deliver) {
  if (deliver.match_elements<deliver_atom, id64, wire::device_frames, push_note>())
    deliver_message(self, users, deliver);
  else
    tell_presences(self, users, deliver);
  return presences_here(self->state, users);
}

std::vector<caf::actor> subscribe_here(directory_ptr self,
                                       const std::vector<presence_target>& targets,
                                       id64 viewer, const std::string& viewer_privacy,
                                       const caf::actor& session) {
  std::vector<caf::actor> out;
  out.reserve(targets.size());
  for (auto& t : targets) {
    auto presence = presence_for(self, t.user);
    self->send(presence, subscribe_atom::value, session, viewer, viewer_privacy,
               t.contact);
    out.push_back(std::move(presence));
  }
  return out;
}

// Subscribes `session` to each target's presence actor on its home node;
// answers with the actors in the order of `targets` once every node has
// (or with the first failure).
caf::response_promise subscribe(directory_ptr self, const std::vector<presence_target>& targets,
                                id64 viewer, const std::string& viewer_privacy,
                                const caf::actor& session) {
  auto& st = self->state;
  struct gather {
    caf::response_promise rp;
    std::vector<caf::actor> out;
    std::size_t left = 0;
    bool answered = false;
    void place(const std::vector<std::size_t>& indexes, const std::vector<caf::actor>& got) {
      for (std::size_t k = 0; k < indexes.size() && k < got.size(); ++k)
        out[indexes[k]] = got[k];
      if (--left == 0 && !answered) {
        answered = true;
        rp.deliver(std::move(out));
      }
    }
    void fail(caf::error err) {
      if (!answered) {
        answered = true;
        rp.deliver(std::move(err));
      }
    }
  };
  std::map<int, std::vector<std::size_t>> slots; // node -> indexes into targets
  for (std::size_t i = 0; i < targets.size(); ++i)
    slots[st.place.home_of(targets[i].user)].push_back(i);
  auto g = std::make_shared<gather>();
  g->rp = self->make_response_promise();
  g->out.resize(targets.size());
  g->left = slots.size();
  if (slots.empty())
    g->rp.deliver(std::vector<caf::actor>{});
  for (auto& [node, indexes] : slots) {
    std::vector<presence_target> group;
    for (auto i : indexes)
      group.push_back(targets[i]);
    if (node == st.ctx->node_id) {
      g->place(indexes, subscribe_here(self, group, viewer, viewer_privacy, session));
      continue;
    }
    auto dir = st.place.peer(node);
    if (!dir) {
      g->fail(make_error(errc::not_owner));
      break;
    }
    metrics::get().cluster_remote_sends.fetch_add(1, std::memory_order_relaxed);
    self->request(dir, st.ctx->request_timeout, relayed_atom::value, subscribe_atom::value,
                  group, viewer, viewer_privacy, session)
      .then([=, indexes = indexes](std::vector<caf::actor>& actors) { g->place(indexes, actors); },
            [=](caf::error& err) { g->fail(std::move(err)); });
  }
  return g->rp;
}

// Answers once the pair's conversation actor (if any, on this node) knows,
// so that no message sent after the answer can miss the block.
caf::response_promise tell_block_here(directory_ptr self, id64 conv) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  auto it = st.conversations.find(conv);
  if (it == st.conversations.end()) {
    rp.deliver(true);
    return rp;
  }
  self->request(it->second, st.ctx->request_timeout, block_atom::value)
    .then([=](bool) mutable { rp.deliver(true); },
          [=](caf::error&) mutable { rp.deliver(true); }); // gone: reloads anyway
  return rp;
}

caf::result<bool> tell_block(directory_ptr self, id64 conv) {
  auto& st = self->state;
  if (st.place.at_home(conv))
    return tell_block_here(self, conv);
  auto dir = home_directory(st, conv);
  if (!dir)
    return true; // its home is gone: the conversation reloads wherever it restarts
  self->delegate(dir, relayed_atom::value, block_atom::value, conv);
  return caf::delegated<bool>{};
}

caf::response_promise direct_conversation(directory_ptr self, id64 user, id64 peer) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  self->request(st.queries, st.ctx->request_timeout, direct_atom::value, user, peer)
    .then(
      // Not contacts yet: that takes a message from each
      // (actors/conversation.cpp, took_part).
      [=](id64 conv, bool) mutable { rp.deliver(conv); },
      [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

} // namespace parley::dir
