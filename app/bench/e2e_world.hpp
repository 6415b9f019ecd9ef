#pragma once
// The end-to-end side of parley-bench (--e2e): the devices' keys made and
// published as the CLI's client library does (wire/e2e), sessions started
// from the bundles, send frames with one real envelope per required device
// sealed before the clock starts (their rate measured on the way, per
// core), and afterwards the envelopes one device received opened again, so
// that what was measured is proven to be real ciphertext.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "app/bench/common.hpp"
#include "wire/e2e/session.hpp"

namespace parley::bench {

struct bench_device {
  account login;
  e2e::identity id;
  e2e::key_pair spk; // id 1
};

// Publishes identity, signed prekey and 100 one-time prekeys for every
// device (8 at a time). Sessions start from the signed prekey alone (the
// private halves of the one-time prekeys are not kept).
std::vector<bench_device> publish_devices(const client::server_url& server,
                                          const std::vector<account>& logins);

// One sender device's sessions with the devices it encrypts to.
struct sender_sessions {
  const bench_device* me = nullptr;
  std::vector<const bench_device*> to;
  std::vector<e2e::peer_sessions> sessions; // by `to`
};

sender_sessions start_sessions(const bench_device& me, std::vector<const bench_device*> to);

// What sealing cost: envelopes made and the thread's CPU seconds.
struct seal_cost {
  std::uint64_t envelopes = 0;
  double cpu_s = 0;
  double per_second_per_core() const { return cpu_s > 0 ? envelopes / cpu_s : 0; }
};

// The `"envelopes":{...}` object of one send: `plaintext` sealed for every
// device of `s`.
std::string sealed_envelopes(sender_sessions& s, const std::string& plaintext, seal_cost& cost);

// The thread's CPU time, for seal_cost.
double thread_cpu_seconds();

// Opens the next envelope `receiver` got from `sender` (sessions: its
// state for that sender, from empty).
std::optional<e2e::bytes> open_next(const bench_device& receiver, const bench_device& sender,
                                    e2e::peer_sessions& sessions, const std::string& envelope);

// Opens, in order, envelopes `receiver` got from `sender`; the number that
// did not open.
std::uint64_t open_all(const bench_device& receiver, const bench_device& sender,
                       const std::vector<std::string>& envelopes);

// A delivery as a receiving thread saw it, matched to its send by msg_id
// once the run is over (an envelope says nothing the bench could read).
struct arrival {
  int conn;
  std::string msg_id;
  std::uint64_t at_ns;
  std::string frame; // kept only for the device that opens afterwards
};

// The envelope of a message frame (empty if none); parsed after the run.
std::string envelope_of(std::string_view frame);

} // namespace parley::bench
