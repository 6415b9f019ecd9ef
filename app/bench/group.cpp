// The group scenario: G groups of M members, every member connected;
// messages sent into the groups at an open-loop rate by members in turn.
// Figures: fan-out deliveries per second and send→deliver latency per
// recipient; a loss is an acked message a member never received.
#include <cmath>
#include <iostream>
#include <memory>

#include "app/bench/scenarios.hpp"

namespace parley::bench {

using namespace std::chrono;

namespace {

struct group_state {
  std::string conversation;
  std::size_t next_num = 0; // (thread 0's)
  // By message number; set on thread 0, read on the sender's thread.
  std::unique_ptr<std::atomic<std::uint64_t>[]> sent_ns;
  std::unique_ptr<std::atomic<std::uint8_t>[]> acked;
  // seen[num * members + member]: written only by that member's thread.
  std::vector<std::uint8_t> seen;
};

std::vector<group_state> create_groups(const client::server_url& server,
                                       const std::vector<account>& users,
                                       const group_options& g, std::size_t per_group) {
  auto m = static_cast<std::size_t>(g.members);
  std::vector<group_state> groups(static_cast<std::size_t>(g.groups));
  for (std::size_t i = 0; i < groups.size(); ++i) {
    json members = json::array();
    for (std::size_t k = 1; k < m; ++k)
      members.push_back(users[i * m + k].user_id);
    auto created = rest(server, "POST", "/v1/conversations", users[i * m].token,
                        {{"title", "bench " + std::to_string(i)}, {"members", members}}, 201);
    groups[i].conversation = created["conversation_id"];
    groups[i].sent_ns.reset(new std::atomic<std::uint64_t>[per_group]());
    groups[i].acked.reset(new std::atomic<std::uint8_t>[per_group]());
    groups[i].seen.assign(per_group * m, 0);
  }
  return groups;
}

} // namespace

json run_group(const common_options& o, const client::server_url& server,
               const group_options& g) {
  if (g.devices == 2 || g.e2e)
    return run_group_two_devices(o, server, g);
  auto m = static_cast<std::size_t>(g.members);
  auto users = make_users(o, server, static_cast<std::size_t>(g.groups) * m);
  auto per_group = static_cast<std::size_t>(std::ceil(g.rate / g.groups * g.duration)) + 16;
  auto groups = create_groups(server, users, g, per_group);
  fleet f{fleet_of(o, server)};
  std::vector<thread_stats> stats(static_cast<std::size_t>(f.threads()));
  const run_tag tag{'g', o.body_padding};

  auto on_frame = [&](int thread, int id, std::string_view text) {
    auto& st = stats[static_cast<std::size_t>(thread)];
    auto member = static_cast<std::size_t>(id) % m;
    if (text.find(R"("type":"message")") != std::string_view::npos) {
      std::uint64_t group = 0, num = 0, sent = 0;
      if (!parse_body(text, tag, group, num, sent) || group >= groups.size()
          || num >= per_group || num % m == member)
        return;
      if (groups[group].seen[num * m + member]++ > 0) {
        ++st.duplicates;
        return;
      }
      st.count_delivery((now_ns() - sent) / 1000);
    } else if (text.find(R"("type":"ack")") != std::string_view::npos) {
      auto num = int_after(text, R"("id":)") - static_cast<std::int64_t>(tag.id_base);
      auto& gs = groups[static_cast<std::size_t>(id) / m];
      if (num < 0 || static_cast<std::size_t>(num) >= per_group || gs.acked[num].exchange(1))
        return;
      st.count_ack((now_ns() - gs.sent_ns[num].load()) / 1000);
    } else if (text.find(R"("type":"error")") != std::string_view::npos) {
      st.count_error();
    }
  };
  connect_all(f, users, 0, users.size(), on_frame);

  // Open loop from thread 0: message k of a group is sent by member k % M.
  cpu_meter cpu{o.server_pid};
  auto start_ns = now_ns();
  auto stop_ns = start_ns + static_cast<std::uint64_t>(g.duration * 1e9);
  std::size_t turn = 0;
  f.every(microseconds(1000), [&](int thread) {
    if (thread != 0)
      return;
    auto now = std::min(now_ns(), stop_ns);
    auto due = static_cast<std::uint64_t>(g.rate * static_cast<double>(now - start_ns) / 1e9);
    auto& st = stats[0];
    while (st.sent < due) {
      auto gi = turn++ % groups.size();
      auto& gs = groups[gi];
      auto num = gs.next_num++;
      if (num >= per_group)
        break;
      auto sent = now_ns();
      gs.sent_ns[num] = sent;
      f.send(static_cast<int>(gi * m + num % m),
             send_frame(tag, num, "conversation", gs.conversation, gi, sent));
      st.count_sent();
    }
  });
  show_progress("group", stats, duration<double>(g.duration + g.drain),
                stop_ns, [m](std::uint64_t acked) { return acked * (m - 1); });
  auto server_cpu = cpu.server();
  auto pg_cpu = cpu.postgres();
  f.stop();

  auto t = sum(stats);
  std::uint64_t lost = 0;
  for (auto& gs : groups)
    for (std::size_t num = 0; num < per_group; ++num)
      if (gs.acked[num])
        for (std::size_t k = 0; k < m; ++k)
          if (k != num % m && !gs.seen[num * m + k])
            ++lost;
  json result = flow_json(t, lost);
  result.update({{"scenario", "group"},
                 {"groups", g.groups},
                 {"members", g.members},
                 {"offered_rate", g.rate},
                 {"duration_s", g.duration},
                 {"deliveries", t.delivered},
                 {"expected_deliveries", t.acked * (m - 1)},
                 {"deliveries_per_second", static_cast<double>(t.delivered) / g.duration}});
  std::cout << "group: " << g.groups << " group(s) of " << g.members << " at " << g.rate
            << " msg/s for " << g.duration << " s\n"
            << "  sent " << t.sent << ", acked " << t.acked << ", deliveries " << t.delivered
            << " of " << t.acked * (m - 1) << " (" << result["deliveries_per_second"].get<double>()
            << "/s), lost " << lost << ", duplicates " << t.duplicates << ", errors "
            << t.errors << "\n";
  print_latency_table(t.ack, t.deliver);
  report_cpu(result, o, {server_cpu, pg_cpu}, t.delivered, "cpu_us_per_delivery", "delivery");
  std::cout << std::flush;
  return result;
}

} // namespace parley::bench
