#pragma once
// parley-bench's scenarios, one file each (connect.cpp, pairs.cpp with
// ramp, two_devices.cpp, group.cpp, offline.cpp). Each returns its figures as JSON and
// prints a final table; each is bounded in count and time.
#include "app/bench/common.hpp"

namespace parley::bench {

struct connect_options {
  int connections = 1000;
  int hold_seconds = 5;
  int in_flight = 256; // handshakes under way at once
};
json run_connect(const common_options& o, const client::server_url& server,
                 const connect_options& c);

struct pairs_options {
  int pairs = 100;
  double rate = 1000;   // messages per second, all pairs together
  double duration = 10; // seconds of sending
  double drain = 5;     // seconds to wait for the last deliveries
  int devices = 1;      // per user; 2: app/bench/two_devices.cpp
  bool e2e = false;     // envelopes instead of bodies (two devices each)
};
json run_pairs(const common_options& o, const client::server_url& server,
               const pairs_options& p);
json run_pairs_two_devices(const common_options& o, const client::server_url& server,
                           const pairs_options& p);

struct ramp_options {
  pairs_options step{200, 2000, 5, 5}; // rate = the first step's
  double step_rate = 2000;             // added per step
  double max_rate = 60000;
  double p99_bound_ms = 100;           // send→deliver
};
json run_ramp(const common_options& o, const client::server_url& server,
              const ramp_options& r);

struct group_options {
  int groups = 1;
  int members = 100;
  double rate = 100; // messages per second into all groups together
  double duration = 10;
  double drain = 5;
  int devices = 1;   // per member; 2: app/bench/group_two_devices.cpp
  bool e2e = false;  // sender keys and envelopes (two devices each)
};
json run_group(const common_options& o, const client::server_url& server,
               const group_options& g);
json run_group_two_devices(const common_options& o, const client::server_url& server,
                           const group_options& g);

struct offline_options {
  int messages = 100000; // in all
  int recipients = 100;
  int window = 64; // unacknowledged sends per sender while storing
};
json run_offline(const common_options& o, const client::server_url& server,
                 const offline_options& c);

struct calls_options {
  int pairs = 200;
  double rate = 50;     // calls per second, all pairs together
  double duration = 10; // seconds of calling
  double drain = 3;     // seconds for the last answers and records
};
json run_calls(const common_options& o, const client::server_url& server,
               const calls_options& c);

struct seal_options {
  int envelopes = 200000; // sealed round-robin over `sessions`
  int sessions = 100;
  int open_envelopes = 50000; // of one session, opened in order
  int stored_messages = 300;  // sealed through the CLI's SQLite state
};
json run_seal(const common_options& o, const seal_options& s);

} // namespace parley::bench
