#pragma once
// Cluster membership: one actor per node, published with CAF's middleman on
// --cluster-listen. A node joins through any seed: it sends its node_info,
// the seed answers with every member it knows, and the newcomer joins each
// of those directly (so membership spreads to all nodes, and every pair of
// nodes has its own connection: no route depends on a third node).
//
// A member is declared dead when its connection drops; CAF's heartbeats
// (every failure-timeout/3) and connection timeout make that happen within
// --failure-timeout-ms for a frozen or partitioned node too. Dead members
// and seeds are dialled again on every heartbeat, so a restarted, woken or
// reconnected node rejoins by itself. Each change of the live set goes to
// the node's directory as a new ring.
//
// Node ids are unique: a join with the id of a live member at another
// address is refused (`duplicate_node`), and a node refused at start-up
// exits. The same id at the same address is a restart of that member (two
// live processes cannot listen on one port), which replaces it.
//
// Interface:
//   (join_atom) -> bool             start-up: join through the seeds; true
//                                   once each answered or failed, the
//                                   duplicate_node error if one refused us
//   (join_atom, node_info) -> vector<node_info>
//                                   a node joins; answered with this node's
//                                   view (itself first, then live members)
//   (cluster_atom) -> cluster_view  for GET /v1/cluster
#include <caf/actor.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "actors/context.hpp"

namespace parley {

// How other nodes reach one node.
struct node_info {
  int node_id = 0;
  std::string host;
  std::uint16_t port = 0;
  caf::actor membership;
  caf::actor directory;
};

// One member as GET /v1/cluster shows it.
struct member_status {
  int node_id = 0;
  std::string address;        // host:port of its cluster listener
  std::string state;          // "self", "up" or "down"
  std::int64_t since_ms = 0;  // when it entered that state (unix ms)
  double ring_share = 0;      // of the key space, 0 when down
  std::int64_t joins = 0;     // times it (re)joined this node's view
};

struct cluster_view {
  int node_id = 0;
  std::int64_t failure_timeout_ms = 0;
  int vnodes = 0;
  std::vector<member_status> members; // sorted by node id
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_info& x) {
  return f(caf::meta::type_name("node_info"), x.node_id, x.host, x.port, x.membership,
           x.directory);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_status& x) {
  return f(caf::meta::type_name("member_status"), x.node_id, x.address, x.state,
           x.since_ms, x.ring_share, x.joins);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_view& x) {
  return f(caf::meta::type_name("cluster_view"), x.node_id, x.failure_timeout_ms,
           x.vnodes, x.members);
}

struct membership_config {
  int node_id = 1;
  std::string host;          // empty: not clustered (a node alone)
  std::uint16_t port = 0;
  std::vector<std::pair<std::string, std::uint16_t>> seeds;
  std::chrono::milliseconds failure_timeout{3000};
  // Peers are dialled through CAF's OpenSSL module (mutual TLS, the
  // certificates configured in the actor system); else in clear text.
  bool tls = false;
};

caf::actor spawn_membership(caf::actor_system& sys, membership_config cfg,
                            caf::actor directory);

void register_cluster_types(caf::actor_system_config& cfg);

} // namespace parley
