// The seal scenario: what the client library's end-to-end encryption costs
// on this machine, without a server. Sessions between two devices started
// from bundles, then envelopes sealed round-robin over them and opened
// again in order, each timed on the thread's CPU clock; and the same
// through the CLI's SQLite state (a transaction per message, the ratchet
// state on disk before the frame would leave).
#include <filesystem>
#include <iostream>

#include "app/bench/e2e_world.hpp"
#include "app/bench/scenarios.hpp"
#include "app/e2e/state_store.hpp"
#include "wire/e2e/plaintext.hpp"

namespace parley::bench {

namespace {

bench_device local_device(std::string device_id) {
  bench_device d;
  d.login.device_id = std::move(device_id);
  d.id = {e2e::ed25519_generate(), e2e::x25519_generate()};
  d.spk = e2e::x25519_generate();
  return d;
}

// Seals through the SQLite store as the CLI does; messages per second.
double stored_seal_rate(const bench_device& me, const bench_device& peer, int messages) {
  auto dir = std::filesystem::temp_directory_path()
             / ("parley-bench-seal-" + std::to_string(now_ns()));
  double rate = 0;
  {
    e2e_client::state_store store{dir};
    auto s = start_sessions(me, {&peer});
    store.save_sessions(2, 2, s.sessions[0]);
    auto pt = e2e::to_bytes(e2e::text_plaintext("a message of about the usual length", 64));
    auto start = now_ns();
    for (int i = 0; i < messages; ++i)
      store.transaction([&] {
        auto sessions = store.sessions(2, 2);
        e2e::seal_for(sessions, me.id, pt);
        store.save_sessions(2, 2, sessions);
      });
    rate = messages / (static_cast<double>(now_ns() - start) / 1e9);
  }
  std::filesystem::remove_all(dir);
  return rate;
}

} // namespace

json run_seal(const common_options& o, const seal_options& so) {
  auto alice = local_device("1"), bob = local_device("2");
  std::vector<const bench_device*> peers(static_cast<std::size_t>(so.sessions), &bob);
  auto senders = start_sessions(alice, peers);
  auto plaintext = e2e::text_plaintext("a message of about the usual length", 64);
  seal_cost cost;
  for (int r = 0; r < (so.envelopes + so.sessions - 1) / so.sessions; ++r)
    sealed_envelopes(senders, plaintext, cost);
  // Opening: one session's envelopes in order, as a device reads them.
  auto pt = e2e::to_bytes(plaintext);
  auto one = start_sessions(alice, {&bob});
  std::vector<std::string> envs;
  for (int i = 0; i < so.open_envelopes; ++i)
    envs.push_back(*e2e::seal_for(one.sessions[0], alice.id, pt));
  auto before = thread_cpu_seconds();
  auto failed = open_all(bob, alice, envs);
  auto open_s = thread_cpu_seconds() - before;
  double opened_per_s = open_s > 0 ? so.open_envelopes / open_s : 0;
  auto stored = stored_seal_rate(alice, bob, so.stored_messages);
  json result{{"scenario", "seal"},
              {"envelopes", cost.envelopes},
              {"seal_cpu_s", cost.cpu_s},
              {"envelopes_sealed_per_second_per_core", cost.per_second_per_core()},
              {"envelopes_opened_per_second_per_core", opened_per_s},
              {"open_failures", failed},
              {"stored_messages_per_second", stored}};
  std::cout << "seal: " << cost.envelopes << " envelopes over " << so.sessions
            << " sessions: " << std::lround(cost.per_second_per_core())
            << " sealed/s per core; opened " << so.open_envelopes << " in order: "
            << std::lround(opened_per_s) << "/s per core (" << failed << " failed)\n"
            << "  through the CLI's SQLite state (a durable transaction per message): "
            << std::lround(stored) << " messages/s\n"
            << std::flush;
  (void)o;
  return result;
}

} // namespace parley::bench
