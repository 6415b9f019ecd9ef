// pairs with two devices per user (--devices 2, and --e2e): sender A1 on
// connection i sends to user B, whose devices B1 and B2 get it, and so does
// A's other device A2, as a phone and a laptop would. Plain bodies, or
// (--e2e) one envelope per required device, made by the client library
// before the clock starts. Deliveries are matched to sends by msg_id (an
// envelope says nothing to the server or to the bench); after the run the
// envelopes B1 got are opened again.
#include <cmath>
#include <iostream>
#include <unordered_map>

#include "app/bench/e2e_world.hpp"
#include "app/bench/scenarios.hpp"
#include "wire/e2e/plaintext.hpp"

namespace parley::bench {

using namespace std::chrono;

namespace {

// Connections: [0,n) A1, [n,2n) B1, [2n,3n) A2, [3n,4n) B2.
enum device_role : std::size_t { a1 = 0, b1 = 1, a2 = 2, b2 = 3 };

struct sent_message {
  std::uint64_t sent_ns = 0;
  std::string msg_id; // from the ack
};

// Everything set up once per process and reused by ramp's steps: users,
// second devices, keys and sessions carry on.
struct world {
  std::size_t pairs = 0;
  bool opened = false; // every pair's conversation exists (see open_conversations)
  std::vector<account> logins; // 4n, by connection
  std::vector<bench_device> devices; // with --e2e, by connection
  std::vector<sender_sessions> senders; // with --e2e, by pair
};

world& shared_world(const common_options& o, const client::server_url& server, std::size_t n,
                    bool e2e) {
  static world w;
  if (w.pairs == n && o.reuse && (!e2e || !w.devices.empty()))
    return w;
  w = world{};
  w.pairs = n;
  // Users of an earlier run would bring their earlier second devices along
  // (required, or delivered to): always new ones.
  auto fresh = o;
  fresh.reuse = false;
  auto firsts = make_users(fresh, server, 2 * n);
  auto seconds = second_devices(server, firsts);
  w.logins = firsts;
  w.logins.insert(w.logins.end(), seconds.begin(), seconds.end());
  if (e2e) {
    w.devices = publish_devices(server, w.logins);
    for (std::size_t i = 0; i < n; ++i) {
      auto* d = w.devices.data();
      w.senders.push_back(start_sessions(d[i], {&d[2 * n + i], &d[n + i], &d[3 * n + i]}));
    }
  }
  return w;
}

std::string plaintext_of(const run_tag& tag, std::size_t pair, std::size_t num) {
  return tag.body_prefix + std::to_string(pair) + ":" + std::to_string(num) + tag.padding;
}

} // namespace

json run_pairs_two_devices(const common_options& o, const client::server_url& server,
                           const pairs_options& p) {
  auto n = static_cast<std::size_t>(p.pairs);
  auto& w = shared_world(o, server, n, p.e2e);
  auto per_pair = static_cast<std::size_t>(std::ceil(p.rate / p.pairs * p.duration)) + 16;
  const run_tag tag{'q', o.body_padding};

  // The frames, sealed before the clock starts. Number `per_pair` of each
  // pair opens its conversation first (see below), sealed first.
  std::vector<std::vector<std::string>> frames(n);
  seal_cost cost;
  auto first = w.opened ? std::size_t{0} : per_pair;
  for (std::size_t i = 0; i < n; ++i) {
    frames[i].resize(per_pair + 1);
    for (std::size_t k = 0; k <= per_pair; ++k) {
      auto num = (first + k) % (per_pair + 1);
      if (num == per_pair && w.opened)
        continue;
      auto head = R"({"type":"send","id":)" + std::to_string(tag.id_base + num) + R"(,"to":")"
                  + w.logins[n + i].user_id + "\",";
      auto text = plaintext_of(tag, i, num);
      frames[i][num] = (
        p.e2e ? head + R"("envelopes":)"
                  + sealed_envelopes(w.senders[i], e2e::text_plaintext(text), cost) + "}"
              : head + R"("body":")" + text + "\"}");
    }
  }
  std::atomic<std::size_t> opened{0};
  if (p.e2e)
    std::cout << "pairs --e2e: sealed " << cost.envelopes << " envelopes in " << cost.cpu_s
              << " s of CPU: " << std::lround(cost.per_second_per_core())
              << " envelopes/s per core\n";

  fleet f{fleet_of(o, server)};
  auto threads = static_cast<std::size_t>(f.threads());
  std::vector<thread_stats> stats(threads);
  std::vector<std::vector<arrival>> arrivals(threads);
  std::vector<std::vector<sent_message>> sent(n, std::vector<sent_message>(per_pair));
  auto on_frame = [&](int thread, int id, std::string_view text) {
    auto t = static_cast<std::size_t>(thread);
    auto& st = stats[t];
    if (text.find(R"("type":"message")") != std::string_view::npos) {
      bool keep = p.e2e && static_cast<std::size_t>(id) / n == b1;
      arrivals[t].push_back({id, std::string{string_after(text, R"("msg_id":")")}, now_ns(),
                             keep ? std::string{text} : std::string{}});
      st.delivered_live.fetch_add(1, std::memory_order_relaxed);
    } else if (text.find(R"("type":"ack")") != std::string_view::npos) {
      auto num = int_after(text, R"("id":)") - static_cast<std::int64_t>(tag.id_base);
      if (num == static_cast<std::int64_t>(per_pair)) {
        ++opened;
        return;
      }
      if (id < 0 || static_cast<std::size_t>(id) >= n || num < 0
          || static_cast<std::size_t>(num) >= per_pair)
        return;
      auto& s = sent[static_cast<std::size_t>(id)][static_cast<std::size_t>(num)];
      if (!s.msg_id.empty())
        return;
      s.msg_id = std::string{string_after(text, R"("msg_id":")")};
      st.count_ack((now_ns() - s.sent_ns) / 1000);
    } else if (text.find(R"("type":"error")") != std::string_view::npos) {
      if (st.errors == 0 && t == 0)
        std::cerr << "pairs: the first refusal: " << text.substr(0, 300) << "\n";
      st.count_error();
    }
  };
  connect_all(f, w.logins, 0, 4 * n, on_frame);
  if (!w.opened) {
    // Conversations that exist, as in every other scenario (whose users
    // have talked before): new users' first messages would each create a
    // conversation, 200 of them in the first 100 ms, and that is measured
    // on its own (docs/benchmarks.md), not mixed into the steady state.
    for (std::size_t i = 0; i < n; ++i)
      f.send(static_cast<int>(i), std::move(frames[i][per_pair]));
    auto deadline = steady_clock::now() + seconds(60);
    while (opened < n && steady_clock::now() < deadline)
      std::this_thread::sleep_for(milliseconds(20));
    if (opened < n)
      throw std::runtime_error("only " + std::to_string(opened.load()) + " of "
                               + std::to_string(n) + " conversations opened within 60 s");
    w.opened = true;
  }

  cpu_meter cpu{o.server_pid};
  auto start_ns = now_ns();
  auto stop_ns = start_ns + static_cast<std::uint64_t>(p.duration * 1e9);
  send_open_loop(f, stats, p.rate, n, per_pair, start_ns, stop_ns,
                 [&](std::size_t pair, std::size_t num) {
                   sent[pair][num].sent_ns = now_ns();
                   f.send(static_cast<int>(pair), std::move(frames[pair][num]));
                 });
  show_progress("pairs", stats, duration<double>(p.duration + p.drain), stop_ns,
                [](std::uint64_t acked) { return 3 * acked; });
  auto server_cpu = cpu.server();
  auto pg_cpu = cpu.postgres();
  f.stop();

  // Match deliveries to sends; count what each device lacks.
  std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> by_msg_id;
  std::uint64_t acked = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t num = 0; num < per_pair; ++num)
      if (!sent[i][num].msg_id.empty()) {
        by_msg_id[sent[i][num].msg_id] = {i, num};
        ++acked;
      }
  std::vector<std::uint8_t> seen(4 * n * per_pair, 0);
  std::vector<std::vector<std::string>> b1_envelopes(n);
  std::uint64_t duplicates = 0, delivered_b1 = 0;
  for (std::size_t t = 0; t < threads; ++t)
    for (auto& a : arrivals[t]) {
      auto it = by_msg_id.find(a.msg_id);
      if (it == by_msg_id.end())
        continue; // not this run's
      auto [pair, num] = it->second;
      auto conn = static_cast<std::size_t>(a.conn);
      if (conn % n != pair || seen[conn * per_pair + num]++) {
        ++duplicates;
        continue;
      }
      stats[t].count_delivery((a.at_ns - sent[pair][num].sent_ns) / 1000);
      if (conn / n == b1) {
        ++delivered_b1;
        if (p.e2e)
          b1_envelopes[pair].push_back(envelope_of(a.frame));
      }
    }
  std::uint64_t lost = 0;
  for (auto& [msg_id, where] : by_msg_id)
    for (std::size_t role : {a2, b1, b2})
      lost += seen[(role * n + where.first) * per_pair + where.second] ? 0 : 1;
  std::uint64_t unopened = 0;
  if (p.e2e)
    for (std::size_t i = 0; i < n; ++i)
      unopened += open_all(w.devices[n + i], w.devices[i], b1_envelopes[i]);

  auto t = sum(stats);
  t.duplicates += duplicates;
  json result = flow_json(t, lost);
  result.update({{"scenario", "pairs"},
                 {"devices_per_user", 2},
                 {"e2e", p.e2e},
                 {"pairs", p.pairs},
                 {"offered_rate", p.rate},
                 {"duration_s", p.duration},
                 {"delivered", delivered_b1},
                 {"device_deliveries", t.delivered},
                 {"delivered_per_second", static_cast<double>(delivered_b1) / p.duration}});
  if (p.e2e)
    result.update({{"envelopes_per_message", 3},
                   {"client_envelopes_per_second_per_core", cost.per_second_per_core()},
                   {"envelopes_not_opening", unopened}});
  std::cout << "pairs: " << p.pairs << " pairs, two devices each, "
            << (p.e2e ? "end-to-end encrypted" : "plain bodies") << ", at " << p.rate
            << " msg/s for " << p.duration << " s\n"
            << "  sent " << t.sent << ", acked " << acked << ", delivered " << delivered_b1
            << " (" << t.delivered << " to all three devices), lost " << lost
            << ", duplicates " << t.duplicates << ", errors " << t.errors << "\n";
  if (p.e2e)
    std::cout << "  envelopes B1 got that its device could not open: " << unopened << "\n";
  print_latency_table(t.ack, t.deliver);
  report_cpu(result, o, {server_cpu, pg_cpu}, delivered_b1, "cpu_us_per_delivery", "message");
  std::cout << std::flush;
  return result;
}

} // namespace parley::bench
