#include "actors/membership.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/manager.hpp>
#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "wire/ring.hpp"
#include "wire/metrics.hpp"

namespace parley {

namespace {

using endpoint = std::pair<std::string, std::uint16_t>;

std::string to_string(const endpoint& ep) {
  return ep.first + ":" + std::to_string(ep.second);
}

struct peer {
  node_info info;           // handles are null until it has been up once
  bool up = false;
  std::int64_t since_ms = 0;
  std::int64_t joins = 0;
  endpoint address() const { return {info.host, info.port}; }
};

struct membership_state {
  membership_config cfg;
  node_info me;
  std::int64_t started_ms = unix_now_ms();
  std::map<int, peer> peers;
  std::set<endpoint> dialing;
  // The start-up join: answered once every seed has answered or failed.
  std::vector<caf::response_promise> joined;
  std::size_t seeds_left = 0;
  caf::error refused; // a seed said our node id is taken
  static inline const char* name = "membership";
};

using membership_ptr = caf::stateful_actor<membership_state>*;

bool clustered(const membership_state& st) {
  return !st.cfg.host.empty();
}

std::vector<node_info> live_members(const membership_state& st) {
  std::vector<node_info> out{st.me};
  for (auto& [id, p] : st.peers)
    if (p.up)
      out.push_back(p.info);
  return out;
}

// The directory places actors on the live members: tell it each change.
void publish_ring(membership_ptr self) {
  auto live = live_members(self->state);
  wire::metrics::get().cluster_members.store(static_cast<std::int64_t>(live.size()));
  self->send(self->state.me.directory, ring_atom::value, std::move(live));
}

void seed_answered(membership_ptr self) {
  auto& st = self->state;
  if (st.seeds_left == 0 || --st.seeds_left > 0)
    return;
  for (auto& rp : st.joined)
    if (st.refused)
      rp.deliver(st.refused);
    else
      rp.deliver(true);
  st.joined.clear();
}

void dial(membership_ptr self, const endpoint& ep, bool seed);

// Takes `info` as a live member. False if nothing changed.
bool admit(membership_ptr self, const node_info& info) {
  auto& st = self->state;
  auto& p = st.peers[info.node_id];
  if (p.up && p.info.membership == info.membership)
    return false;
  if (p.up && p.info.membership)
    spdlog::info("cluster: node {} at {} restarted", info.node_id,
                 to_string({info.host, info.port}));
  else
    spdlog::info("cluster: node {} at {} is up", info.node_id,
                 to_string({info.host, info.port}));
  p.info = info;
  p.up = true;
  self->send(st.me.directory, trust_atom::value, info.directory.node());
  p.since_ms = unix_now_ms();
  ++p.joins;
  self->monitor(info.membership);
  return true;
}

// A member's view: its sender first, then the members it knows alive.
// Members we have not met yet are dialled directly.
void learn(membership_ptr self, const std::vector<node_info>& view) {
  auto& st = self->state;
  bool changed = false;
  for (std::size_t i = 0; i < view.size(); ++i) {
    auto& info = view[i];
    if (info.node_id == st.me.node_id)
      continue;
    if (i == 0) {
      changed |= admit(self, info);
      continue;
    }
    auto& p = st.peers[info.node_id];
    if (p.up)
      continue;
    if (!p.info.membership) { // known by address only, until it answers
      p.info.node_id = info.node_id;
      p.info.host = info.host;
      p.info.port = info.port;
    }
    dial(self, {info.host, info.port}, false);
  }
  if (changed)
    publish_ring(self);
}

// Why a join from `info` must be refused, if it must.
caf::error check_unique(const membership_state& st, const node_info& info) {
  if (info.node_id == st.me.node_id) {
    spdlog::error("cluster: refused node at {}: node id {} is this node's",
                  to_string({info.host, info.port}), info.node_id);
    return make_error(errc::duplicate_node);
  }
  auto it = st.peers.find(info.node_id);
  if (it != st.peers.end() && it->second.up
      && it->second.address() != endpoint{info.host, info.port}) {
    spdlog::error("cluster: refused node at {}: node id {} belongs to live node {}",
                  to_string({info.host, info.port}), info.node_id,
                  to_string(it->second.address()));
    return make_error(errc::duplicate_node);
  }
  return {};
}

// A join speaks for the node it comes from only: its membership and
// directory handles must live on the sender's node, so no member can pass
// another's actors off as its own.
bool speaks_for_itself(membership_ptr self, const node_info& info) {
  auto& sender = self->current_sender();
  return sender && info.membership && info.directory
         && info.membership.node() == sender->node()
         && info.directory.node() == sender->node();
}

caf::result<std::vector<node_info>> on_join(membership_ptr self, const node_info& info) {
  if (!speaks_for_itself(self, info)) {
    spdlog::error("cluster: refused a join for node {} whose handles are not its sender's",
                  info.node_id);
    return make_error(errc::not_cluster_member);
  }
  if (auto err = check_unique(self->state, info))
    return err;
  if (admit(self, info))
    publish_ring(self);
  return live_members(self->state);
}

// Connects to `ep` and joins it. Failures are quiet: the next heartbeat
// tries again.
void dial(membership_ptr self, const endpoint& ep, bool seed) {
  auto& st = self->state;
  if (ep == endpoint{st.me.host, st.me.port} || !st.dialing.insert(ep).second) {
    if (seed)
      seed_answered(self);
    return;
  }
  auto timeout = st.cfg.failure_timeout;
  auto done = [=] {
    self->state.dialing.erase(ep);
    if (seed)
      seed_answered(self);
  };
  auto failed = [=](caf::error& err) {
    if (err == make_error(errc::duplicate_node)) {
      spdlog::error("cluster: {} refused this node: node id {} is taken by a live node",
                    to_string(ep), self->state.me.node_id);
      self->state.refused = err;
    } else {
      spdlog::debug("cluster: cannot reach {}: {}", to_string(ep),
                    self->system().render(err));
    }
    done();
  };
  auto mm = st.cfg.tls ? self->system().openssl_manager().actor_handle()
                       : self->system().middleman().actor_handle();
  self->request(mm, timeout, caf::connect_atom::value, ep.first, ep.second)
    .then(
      [=](const caf::node_id& node, caf::strong_actor_ptr& ptr,
          const std::set<std::string>&) mutable {
        auto remote = caf::actor_cast<caf::actor>(ptr);
        if (!remote) {
          caf::error err = caf::sec::no_actor_published_at_port;
          return failed(err);
        }
        // The node at a member's address (through the cluster's TLS, when
        // configured): it may relay requests as soon as it has our join.
        self->send(self->state.me.directory, trust_atom::value, node);
        self->request(remote, timeout, join_atom::value, self->state.me)
          .then(
            [=](std::vector<node_info>& view) {
              learn(self, view);
              done();
            },
            failed);
      },
      failed);
}

// Every heartbeat: dial seeds and members that are not up.
void redial(membership_ptr self) {
  auto& st = self->state;
  std::set<endpoint> up;
  for (auto& [id, p] : st.peers)
    if (p.up)
      up.insert(p.address());
  for (auto& [host, port] : st.cfg.seeds)
    if (!up.count({host, port}))
      dial(self, {host, port}, false);
  for (auto& [id, p] : st.peers)
    if (!p.up)
      dial(self, p.address(), false);
}

void on_down(membership_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  for (auto& [id, p] : st.peers) {
    if (p.up && p.info.membership.address() == dm.source) {
      spdlog::warn("cluster: node {} at {} is down ({})", id, to_string(p.address()),
                   self->system().render(dm.reason));
      p.up = false;
      p.since_ms = unix_now_ms();
      publish_ring(self);
      return;
    }
  }
}

cluster_view view(membership_ptr self) {
  auto& st = self->state;
  std::vector<int> live;
  for (auto& member : live_members(st))
    live.push_back(member.node_id);
  hash_ring ring{live}; // the directory's ring, built from the same members
  auto shares = ring.shares();
  cluster_view out;
  out.node_id = st.me.node_id;
  out.failure_timeout_ms = st.cfg.failure_timeout.count();
  out.vnodes = ring.vnodes();
  auto address = [](const std::string& host, std::uint16_t port) {
    return host.empty() ? std::string{} : to_string({host, port});
  };
  out.members.push_back({st.me.node_id, address(st.me.host, st.me.port), "self",
                         st.started_ms, shares[st.me.node_id], 1});
  for (auto& [id, p] : st.peers)
    out.members.push_back({id, address(p.info.host, p.info.port), p.up ? "up" : "down",
                           p.since_ms, p.up ? shares[id] : 0.0, p.joins});
  std::sort(out.members.begin(), out.members.end(),
            [](auto& a, auto& b) { return a.node_id < b.node_id; });
  return out;
}

caf::behavior membership(membership_ptr self, membership_config cfg, caf::actor directory) {
  auto& st = self->state;
  st.me = {cfg.node_id, cfg.host, cfg.port, caf::actor{self}, std::move(directory)};
  st.cfg = std::move(cfg);
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  publish_ring(self); // a node alone owns everything until others answer
  auto heartbeat = std::max(st.cfg.failure_timeout / 3, std::chrono::milliseconds(100));
  if (clustered(st))
    self->delayed_send(self, heartbeat, dial_atom::value);
  return {
    [=](join_atom) -> caf::result<bool> {
      auto& st = self->state;
      if (st.cfg.seeds.empty())
        return true;
      auto rp = self->make_response_promise<bool>();
      st.joined.push_back(rp);
      st.seeds_left = st.cfg.seeds.size();
      for (auto& [host, port] : st.cfg.seeds)
        dial(self, {host, port}, true);
      return rp;
    },
    [=](join_atom, const node_info& info) { return on_join(self, info); },
    [=](dial_atom) {
      redial(self);
      self->delayed_send(self, heartbeat, dial_atom::value);
    },
    [=](cluster_atom) { return view(self); },
  };
}

} // namespace

caf::actor spawn_membership(caf::actor_system& sys, membership_config cfg,
                            caf::actor directory) {
  return sys.spawn(membership, std::move(cfg), std::move(directory));
}

void register_cluster_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<node_info>("parley::node_info")
    .add_message_type<std::vector<node_info>>("std::vector<parley::node_info>")
    .add_message_type<member_status>("parley::member_status")
    .add_message_type<cluster_view>("parley::cluster_view");
}

} // namespace parley
