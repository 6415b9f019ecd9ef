// parley-hop-cost: the CPU one actor-to-actor message costs with CAF 0.17
// on this machine, with parleyd's scheduler (work stealing, --workers
// threads). A message's path through parleyd is made of such hops (six
// actor activations per 1:1 message, docs/architecture.md), so this is one
// term of the floor under its CPU per message (docs/benchmarks.md).
//
// A ring of actors passes tokens, each carrying a string the size of a
// message frame; `--tokens` are in flight at once (like that many busy
// conversations). CPU is the process's user + system time (getrusage)
// over the run, divided by the hops made. With --request every hop is a
// request answered by its receiver (two messages, as for session ->
// conversation -> store), and the figure is per message.
#include <caf/all.hpp>

#include <CLI/CLI.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

namespace {

using hop_atom = caf::atom_constant<caf::atom("hop")>;
using done_atom = caf::atom_constant<caf::atom("done")>;

struct options {
  int actors = 400;
  int tokens = 200;
  std::int64_t hops = 2'000'000; // in all, over every token
  std::size_t frame_bytes = 200;
  std::size_t workers = 2;
  bool request = false;
};

struct member_state {
  caf::actor next;
  caf::actor done;
  bool request = false;
};

using member_ptr = caf::stateful_actor<member_state>*;

void pass_on(member_ptr self, std::string frame, std::int64_t left) {
  auto& st = self->state;
  if (left == 0) {
    self->send(st.done, done_atom::value);
    return;
  }
  if (!st.request) {
    self->send(st.next, hop_atom::value, std::move(frame), left - 1);
    return;
  }
  self->request(st.next, caf::infinite, hop_atom::value, std::move(frame), left - 1)
    .then([](bool) {});
}

caf::behavior member(member_ptr self, caf::actor done, bool request) {
  self->state.done = std::move(done);
  self->state.request = request;
  auto wire = [=](caf::actor& next) { self->state.next = std::move(next); };
  if (!request)
    return {wire, [=](hop_atom, std::string& frame, std::int64_t left) {
              pass_on(self, std::move(frame), left);
            }};
  return {wire, [=](hop_atom, std::string& frame, std::int64_t left) {
            pass_on(self, std::move(frame), left);
            return true; // the answer to the request
          }};
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

int run(const options& o) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", o.workers);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system system{cfg};
  caf::scoped_actor waiter{system};

  std::vector<caf::actor> ring;
  for (int i = 0; i < o.actors; ++i)
    ring.push_back(system.spawn(member, caf::actor{waiter}, o.request));
  for (int i = 0; i < o.actors; ++i)
    caf::anon_send(ring[i], ring[(i + 1) % o.actors]);

  auto per_token = o.hops / o.tokens;
  auto cpu0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < o.tokens; ++t)
    caf::anon_send(ring[(t * o.actors / o.tokens) % o.actors], hop_atom::value,
                   std::string(o.frame_bytes, 'x'), per_token);
  for (int t = 0; t < o.tokens; ++t)
    waiter->receive([](done_atom) {});
  auto wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto cpu = cpu_seconds() - cpu0;

  auto hops = static_cast<double>(per_token) * o.tokens;
  auto messages = o.request ? 2 * hops : hops;
  std::cout << (o.request ? "request + answer" : "send") << " hops: " << hops << " in "
            << wall << " s (" << hops / wall << " hops/s) on " << o.workers
            << " workers, " << o.tokens << " in flight, " << o.frame_bytes
            << "-byte frames\n"
            << "  CPU " << cpu << " s = " << cpu * 1e6 / hops << " µs per hop, "
            << cpu * 1e6 / messages << " µs per message\n";
  for (auto& a : ring)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{"What one actor message costs in CPU with CAF 0.17 and parleyd's scheduler"};
  app.add_option("--actors", o.actors, "actors in the ring")->check(CLI::Range(2, 1'000'000));
  app.add_option("--tokens", o.tokens, "tokens in flight at once")
    ->check(CLI::Range(1, 1'000'000));
  app.add_option("--hops", o.hops, "hops in all")->check(CLI::Range(1'000, 1'000'000'000));
  app.add_option("--frame-bytes", o.frame_bytes, "size of the string each hop carries");
  app.add_option("--workers", o.workers, "CAF scheduler threads (parleyd's --workers)")
    ->check(CLI::Range(1, 64));
  app.add_flag("--request", o.request, "each hop a request answered by its receiver");
  CLI11_PARSE(app, argc, argv);
  if (o.tokens > o.hops) {
    std::cerr << "parley-hop-cost: --tokens must not exceed --hops\n";
    return 2;
  }
  return run(o);
}
