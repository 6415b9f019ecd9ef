// The calls scenario: P caller→callee pairs placing calls at an open-loop
// total rate; each callee answers at once and each caller hangs up as soon
// as it hears the answer. Reports call setups per second, offer→incoming
// and answer→caller latency, the records the callers received, busy
// answers and CPU per call. Signalling only: no media flows.
#include <atomic>
#include <cmath>
#include <iostream>
#include <memory>

#include "app/bench/scenarios.hpp"

namespace parley::bench {

using namespace std::chrono;

namespace {

struct call_pair {
  std::string callee;                 // user id
  std::atomic<std::uint64_t> offer_ns{0};  // set by the caller's thread
  std::atomic<std::uint64_t> answer_ns{0}; // set by the callee's thread
  std::atomic<bool> in_call{false};
};

// Per thread: placed, answered (at the caller), records, busy, skipped.
struct call_counts {
  std::uint64_t answered = 0, records = 0, busy = 0, skipped = 0;
};

std::string offer_frame(const run_tag& tag, std::size_t pair, std::size_t num,
                        const std::string& to) {
  return R"({"type":"call.offer","id":"c)" + std::to_string(tag.run) + "-"
         + std::to_string(pair) + "-" + std::to_string(num) + R"(","to":")" + to
         + R"(","media":"audio","sdp":"v=0 bench offer"})";
}

} // namespace

json run_calls(const common_options& o, const client::server_url& server,
               const calls_options& c) {
  auto n = static_cast<std::size_t>(c.pairs);
  auto per_pair = static_cast<std::size_t>(std::ceil(c.rate / c.pairs * c.duration));
  if (per_pair > 10)
    throw std::runtime_error("calls: --rate x --duration / --pairs is " + std::to_string(per_pair)
                             + " offers per caller; parleyd allows 10 a minute per device: "
                               "use more --pairs");
  auto users = make_users(o, server, 2 * n);
  std::vector<call_pair> pairs(n);
  for (std::size_t i = 0; i < n; ++i)
    pairs[i].callee = users[n + i].user_id;
  fleet f{fleet_of(o, server)};
  auto threads = static_cast<std::size_t>(f.threads());
  std::vector<thread_stats> stats(threads);
  std::vector<call_counts> counts(threads);
  const run_tag tag{'c'};

  auto on_frame = [&](int thread, int id, std::string_view text) {
    auto t = static_cast<std::size_t>(thread);
    auto& st = stats[t];
    auto conn = static_cast<std::size_t>(id);
    if (conn >= n) { // a callee
      if (text.find(R"("type":"call.incoming")") == std::string_view::npos)
        return;
      auto& pair = pairs[conn - n];
      st.count_ack((now_ns() - pair.offer_ns.load()) / 1000);
      auto call_id = std::string{string_after(text, R"("call_id":")")};
      pair.answer_ns.store(now_ns());
      f.send(id, R"({"type":"call.answer","call_id":")" + call_id + R"(","sdp":"v=0 bench"})");
      return;
    }
    auto& pair = pairs[conn];
    if (text.find(R"("type":"call.answer")") != std::string_view::npos) {
      st.count_delivery((now_ns() - pair.answer_ns.load()) / 1000);
      ++counts[t].answered;
      auto call_id = std::string{string_after(text, R"("call_id":")")};
      f.send(id, R"({"type":"call.hangup","call_id":")" + call_id + R"("})");
      pair.in_call.store(false);
    } else if (text.find(R"("type":"call.ended")") != std::string_view::npos) {
      if (text.find(R"("reason":"busy")") != std::string_view::npos)
        ++counts[t].busy;
      pair.in_call.store(false);
    } else if (text.find(R"("body_type":"system")") != std::string_view::npos
               && text.find(R"(\"event\":\"call\")") != std::string_view::npos) {
      ++counts[t].records;
    } else if (text.find(R"("type":"error")") != std::string_view::npos) {
      st.count_error();
      pair.in_call.store(false);
    }
  };
  connect_all(f, users, 0, 2 * n, on_frame);

  cpu_meter cpu{o.server_pid};
  auto start_ns = now_ns();
  auto stop_ns = start_ns + static_cast<std::uint64_t>(c.duration * 1e9);
  send_open_loop(f, stats, c.rate, n, per_pair, start_ns, stop_ns,
                 [&](std::size_t pair, std::size_t num) {
                   auto& p = pairs[pair];
                   if (p.in_call.exchange(true)) { // its last call is still on
                     ++counts[pair % threads].skipped;
                     return;
                   }
                   p.offer_ns.store(now_ns());
                   f.send(static_cast<int>(pair), offer_frame(tag, pair, num, p.callee));
                 });
  show_progress("calls", stats, duration<double>(c.duration + c.drain), stop_ns,
                [](std::uint64_t) { return ~std::uint64_t{0}; });
  auto server_cpu = cpu.server();
  auto pg_cpu = cpu.postgres();
  f.stop();

  auto t = sum(stats);
  call_counts all;
  for (auto& k : counts) {
    all.answered += k.answered;
    all.records += k.records;
    all.busy += k.busy;
    all.skipped += k.skipped;
  }
  auto placed = t.sent - all.skipped;
  json result{{"scenario", "calls"},
              {"pairs", c.pairs},
              {"offered_rate", c.rate},
              {"duration_s", c.duration},
              {"placed", placed},
              {"answered", all.answered},
              {"setups_per_second", static_cast<double>(all.answered) / c.duration},
              {"records", all.records},
              {"busy", all.busy},
              {"skipped", all.skipped},
              {"errors", t.errors},
              {"offer_to_incoming", latency_json(t.ack)},
              {"answer_to_caller", latency_json(t.deliver)}};
  std::cout << "calls: " << c.pairs << " pairs at " << c.rate << " calls/s for " << c.duration
            << " s\n"
            << "  placed " << placed << ", answered " << all.answered << " ("
            << static_cast<double>(all.answered) / c.duration << " setups/s), records "
            << all.records << ", busy " << all.busy << ", skipped " << all.skipped
            << ", errors " << t.errors << "\n";
  print_latency_table(t.ack, t.deliver, "offer→ring  ", "answer→back ");
  report_cpu(result, o, {server_cpu, pg_cpu}, all.answered, "cpu_us_per_call", "answered call");
  std::cout << std::flush;
  return result;
}

} // namespace parley::bench
