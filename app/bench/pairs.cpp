// The pairs scenario (P sender→receiver pairs at an open-loop rate) and
// the ramp built on it (the rate raised step by step until send→deliver
// p99 passes a bound or something is lost).
#include <cmath>
#include <iostream>

#include "app/bench/scenarios.hpp"

namespace parley::bench {

using namespace std::chrono;

namespace {

struct pair_state {
  std::string to;                      // the receiver's user id
  std::vector<std::uint64_t> sent_ns;  // by message number (owned by the sender's thread)
  std::vector<std::uint8_t> acked;     // (sender's thread)
  std::vector<std::uint8_t> seen;      // times delivered (receiver's thread)
};

} // namespace

json run_pairs(const common_options& o, const client::server_url& server,
               const pairs_options& p) {
  if (p.devices == 2 || p.e2e)
    return run_pairs_two_devices(o, server, p);
  auto n = static_cast<std::size_t>(p.pairs);
  auto users = make_users(o, server, 2 * n);
  auto per_pair = static_cast<std::size_t>(std::ceil(p.rate / p.pairs * p.duration)) + 16;
  std::vector<pair_state> pairs(n);
  for (std::size_t i = 0; i < n; ++i) {
    pairs[i].to = users[n + i].user_id;
    pairs[i].sent_ns.assign(per_pair, 0);
    pairs[i].acked.assign(per_pair, 0);
    pairs[i].seen.assign(per_pair, 0);
  }
  fleet f{fleet_of(o, server)};
  std::vector<thread_stats> stats(static_cast<std::size_t>(f.threads()));
  const run_tag tag{'p', o.body_padding};

  auto on_frame = [&](int thread, int id, std::string_view text) {
    auto& st = stats[static_cast<std::size_t>(thread)];
    if (text.find(R"("type":"message")") != std::string_view::npos) {
      std::uint64_t pair = 0, num = 0, sent = 0;
      if (!parse_body(text, tag, pair, num, sent) || pair >= n || num >= per_pair)
        return;
      if (pairs[pair].seen[num]++ > 0) {
        ++st.duplicates;
        return;
      }
      st.count_delivery((now_ns() - sent) / 1000);
    } else if (text.find(R"("type":"ack")") != std::string_view::npos) {
      auto num = int_after(text, R"("id":)") - static_cast<std::int64_t>(tag.id_base);
      auto& ps = pairs[static_cast<std::size_t>(id)];
      if (num < 0 || static_cast<std::size_t>(num) >= per_pair || ps.acked[num])
        return;
      ps.acked[num] = 1;
      st.count_ack((now_ns() - ps.sent_ns[num]) / 1000);
    } else if (text.find(R"("type":"error")") != std::string_view::npos) {
      st.count_error();
    }
  };
  connect_all(f, users, 0, 2 * n, on_frame);

  // Open loop: each thread sends what its senders are due by now, whether
  // or not the server keeps up, round-robin over its pairs.
  cpu_meter cpu{o.server_pid};
  auto start_ns = now_ns();
  auto stop_ns = start_ns + static_cast<std::uint64_t>(p.duration * 1e9);
  send_open_loop(f, stats, p.rate, n, per_pair, start_ns, stop_ns,
                 [&](std::size_t pair, std::size_t num) {
                   auto sent = now_ns();
                   pairs[pair].sent_ns[num] = sent;
                   f.send(static_cast<int>(pair),
                          send_frame(tag, num, "to", pairs[pair].to, pair, sent));
                 });
  show_progress("pairs", stats, duration<double>(p.duration + p.drain),
                stop_ns, [](std::uint64_t acked) { return acked; });
  auto server_cpu = cpu.server();
  auto pg_cpu = cpu.postgres();
  f.stop();

  auto t = sum(stats);
  std::uint64_t lost = 0;
  for (auto& ps : pairs)
    for (std::size_t i = 0; i < per_pair; ++i)
      if (ps.acked[i] && !ps.seen[i])
        ++lost;
  json result = flow_json(t, lost);
  result.update({{"scenario", "pairs"},
                 {"pairs", p.pairs},
                 {"offered_rate", p.rate},
                 {"duration_s", p.duration},
                 {"delivered", t.delivered},
                 {"delivered_per_second", static_cast<double>(t.delivered) / p.duration}});
  std::cout << "pairs: " << p.pairs << " pairs at " << p.rate << " msg/s for " << p.duration
            << " s\n"
            << "  sent " << t.sent << ", acked " << t.acked << ", delivered " << t.delivered
            << ", lost " << lost << ", duplicates " << t.duplicates << ", errors " << t.errors
            << "\n";
  print_latency_table(t.ack, t.deliver);
  report_cpu(result, o, {server_cpu, pg_cpu}, t.delivered, "cpu_us_per_delivery",
             "delivered message");
  std::cout << std::flush;
  return result;
}

json run_ramp(const common_options& o, const client::server_url& server,
              const ramp_options& r) {
  json steps = json::array();
  double highest = 0;
  auto step_options = o;
  auto p = r.step;
  for (; p.rate <= r.max_rate; p.rate += r.step_rate) {
    std::cout << "ramp: step at " << p.rate << " msg/s\n";
    auto step = run_pairs(step_options, server, p);
    step_options.reuse = true; // the first step set the users up
    auto p99_ms = step["send_to_deliver"]["p99_us"].get<double>() / 1000.0;
    bool ok = step["lost"] == 0 && step["errors"] == 0 && step["delivered"] == step["sent"]
              && p99_ms < r.p99_bound_ms;
    step["within_bound"] = ok;
    steps.push_back(step);
    if (!ok)
      break;
    highest = p.rate;
  }
  std::cout << "ramp: highest rate with send→deliver p99 < " << r.p99_bound_ms
            << " ms and nothing lost: " << highest << " msg/s\n"
            << std::flush;
  return {{"scenario", "ramp"},
          {"p99_bound_ms", r.p99_bound_ms},
          {"highest_rate", highest},
          {"steps", steps}};
}

} // namespace parley::bench
