// group with two devices per member (--devices 2, and --e2e): G groups of M
// members, each member's two devices connected, so a message reaches
// 2M - 1 devices. With --e2e each sending device has a sender key: its
// first message carries the key to every other device in a pairwise
// envelope, later ones carry "" for them; the group body is the sender-key
// ciphertext. All sealed before the clock starts; deliveries matched by
// msg_id; afterwards one device per group opens everything it got.
#include <cmath>
#include <iostream>
#include <map>
#include <unordered_map>

#include "app/bench/e2e_world.hpp"
#include "app/bench/scenarios.hpp"
#include "wire/e2e/group.hpp"
#include "wire/e2e/plaintext.hpp"

namespace parley::bench {

using namespace std::chrono;

namespace {

struct group_setup {
  std::vector<std::string> conversations;
  std::vector<account> logins; // [0, GM) first devices, [GM, 2GM) second devices
  std::vector<bench_device> devices;
};

// What one group message is, before it is sent.
struct group_frame {
  std::size_t sender_conn;
  std::string text;
};

// The frames of group `gi`, message k sent by member k % M's first device.
std::vector<group_frame> build_group_frames(const group_setup& s, std::size_t gi,
                                            std::size_t m, std::size_t per_group,
                                            const run_tag& tag, bool e2e, seal_cost& cost) {
  auto gm = s.logins.size() / 2;
  std::vector<group_frame> out;
  std::map<std::size_t, e2e::own_sender_key> keys;  // by sender conn
  std::map<std::size_t, sender_sessions> sessions;  // by sender conn
  for (std::size_t num = 0; num < per_group; ++num) {
    auto sender = gi * m + num % m;
    auto head = R"({"type":"send","id":)" + std::to_string(tag.id_base + num)
                + R"(,"conversation":")" + s.conversations[gi] + "\",";
    auto text = tag.body_prefix + std::to_string(gi) + ":" + std::to_string(num) + tag.padding;
    if (!e2e) {
      out.push_back({sender, head + R"("body":")" + text + "\"}"});
      continue;
    }
    std::string envelopes;
    if (!keys.count(sender)) {
      std::vector<const bench_device*> others;
      for (std::size_t k = 0; k < m; ++k)
        for (auto conn : {gi * m + k, gm + gi * m + k})
          if (conn != sender)
            others.push_back(&s.devices[conn]);
      keys[sender] = e2e::new_sender_key(0);
      sessions.emplace(sender, start_sessions(s.devices[sender], others));
      envelopes = sealed_envelopes(sessions.at(sender),
                                   e2e::distribution_plaintext(keys[sender], s.conversations[gi]),
                                   cost);
    } else {
      envelopes = "{";
      for (auto* d : sessions.at(sender).to)
        envelopes += (envelopes.size() > 1 ? ",\"" : "\"") + d->login.device_id + "\":\"\"";
      envelopes += "}";
    }
    auto body = e2e::group_encrypt(keys[sender], e2e::to_bytes(e2e::text_plaintext(text)));
    out.push_back({sender, head + R"("body":)" + json(body).dump() + R"(,"envelopes":)"
                             + envelopes + "}"});
  }
  return out;
}

// Opens, in order, what one device got: the sender key from each sender's
// first (pairwise) envelope, then the group bodies under it; the number of
// messages that did not open.
std::uint64_t open_group_traffic(const group_setup& s, std::size_t receiver,
                                 const std::vector<std::string>& frames) {
  std::unordered_map<std::string, std::size_t> conn_of_device;
  for (std::size_t c = 0; c < s.devices.size(); ++c)
    conn_of_device[s.devices[c].login.device_id] = c;
  std::map<std::size_t, e2e::peer_sessions> pairwise;  // by sender conn
  std::map<std::size_t, e2e::their_sender_key> keys;   // by sender conn
  std::uint64_t failed = 0;
  for (auto& text : frames) {
    auto j = json::parse(text, nullptr, false);
    auto sender = conn_of_device[j.value("from_device", "")];
    if (j.contains("envelope")) {
      auto pt = open_next(s.devices[receiver], s.devices[sender], pairwise[sender],
                          j["envelope"].get<std::string>());
      auto share = pt ? e2e::parse_plaintext(*pt).value : std::nullopt;
      if (share && share->t == "sender_key")
        keys[sender] = {share->share.key_id, share->share.chain_key, share->share.iteration,
                        share->share.signing_key, {}};
    }
    auto body = e2e::parse_group_body(j.value("body", ""));
    auto key = keys.find(sender);
    if (!body || key == keys.end() || !e2e::group_decrypt(key->second, *body).plaintext)
      ++failed;
  }
  return failed;
}

} // namespace

json run_group_two_devices(const common_options& o, const client::server_url& server,
                           const group_options& g) {
  auto m = static_cast<std::size_t>(g.members);
  auto gm = static_cast<std::size_t>(g.groups) * m;
  auto per_group = static_cast<std::size_t>(std::ceil(g.rate / g.groups * g.duration)) + 16;
  auto fresh = o; // earlier users would bring earlier second devices along
  fresh.reuse = false;
  group_setup s;
  auto firsts = make_users(fresh, server, gm);
  auto seconds = second_devices(server, firsts);
  s.logins = firsts;
  s.logins.insert(s.logins.end(), seconds.begin(), seconds.end());
  if (g.e2e)
    s.devices = publish_devices(server, s.logins);
  for (std::size_t i = 0; i < static_cast<std::size_t>(g.groups); ++i) {
    json members = json::array();
    for (std::size_t k = 1; k < m; ++k)
      members.push_back(firsts[i * m + k].user_id);
    s.conversations.push_back(rest(server, "POST", "/v1/conversations", firsts[i * m].token,
                                   {{"title", "bench " + std::to_string(i)}, {"members", members}},
                                   201)["conversation_id"]);
  }
  const run_tag tag{'h', o.body_padding};
  seal_cost cost;
  std::vector<std::vector<group_frame>> frames;
  for (std::size_t i = 0; i < s.conversations.size(); ++i)
    frames.push_back(build_group_frames(s, i, m, per_group, tag, g.e2e, cost));
  if (g.e2e)
    std::cout << "group --e2e: sealed " << cost.envelopes << " sender-key envelopes: "
              << std::lround(cost.per_second_per_core()) << " envelopes/s per core\n";

  fleet f{fleet_of(o, server)};
  auto threads = static_cast<std::size_t>(f.threads());
  std::vector<thread_stats> stats(threads);
  std::vector<std::vector<arrival>> arrivals(threads);
  // By group and number; acks come on the sender's connection.
  std::vector<std::vector<std::uint64_t>> sent_ns(frames.size(),
                                                  std::vector<std::uint64_t>(per_group, 0));
  std::vector<std::vector<std::string>> acked_id(frames.size(),
                                                 std::vector<std::string>(per_group));
  auto verifier = [&](std::size_t conn) { return conn >= gm && (conn - gm) % m == 0; };
  auto on_frame = [&](int thread, int id, std::string_view text) {
    auto t = static_cast<std::size_t>(thread);
    auto conn = static_cast<std::size_t>(id);
    if (text.find(R"("type":"message")") != std::string_view::npos) {
      arrivals[t].push_back({id, std::string{string_after(text, R"("msg_id":")")}, now_ns(),
                             g.e2e && verifier(conn) ? std::string{text} : std::string{}});
      stats[t].delivered_live.fetch_add(1, std::memory_order_relaxed);
    } else if (text.find(R"("type":"ack")") != std::string_view::npos) {
      auto num = int_after(text, R"("id":)") - static_cast<std::int64_t>(tag.id_base);
      auto gi = (conn % gm) / m;
      if (num < 0 || static_cast<std::size_t>(num) >= per_group || gi >= frames.size()
          || !acked_id[gi][static_cast<std::size_t>(num)].empty())
        return;
      acked_id[gi][static_cast<std::size_t>(num)] = string_after(text, R"("msg_id":")");
      stats[t].count_ack((now_ns() - sent_ns[gi][static_cast<std::size_t>(num)]) / 1000);
    } else if (text.find(R"("type":"error")") != std::string_view::npos) {
      stats[t].count_error();
    }
  };
  connect_all(f, s.logins, 0, 2 * gm, on_frame);

  cpu_meter cpu{o.server_pid};
  auto start_ns = now_ns();
  auto stop_ns = start_ns + static_cast<std::uint64_t>(g.duration * 1e9);
  // One sender in the open loop's sense per group; message k of a group
  // leaves from member k % M's first device.
  send_open_loop(f, stats, g.rate, frames.size(), per_group, start_ns, stop_ns,
                 [&](std::size_t gi, std::size_t num) {
                   sent_ns[gi][num] = now_ns();
                   auto& fr = frames[gi][num];
                   f.send(static_cast<int>(fr.sender_conn), std::move(fr.text));
                 });
  auto fanout = 2 * m - 1;
  show_progress("group", stats, duration<double>(g.duration + g.drain), stop_ns,
                [fanout](std::uint64_t acked) { return acked * fanout; });
  auto server_cpu = cpu.server();
  auto pg_cpu = cpu.postgres();
  f.stop();

  std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> by_msg_id;
  for (std::size_t gi = 0; gi < frames.size(); ++gi)
    for (std::size_t num = 0; num < per_group; ++num)
      if (!acked_id[gi][num].empty())
        by_msg_id[acked_id[gi][num]] = {gi, num};
  std::vector<std::uint8_t> seen(2 * gm * per_group, 0);
  std::map<std::size_t, std::vector<std::string>> opened_by; // verifier conn -> frames
  std::uint64_t duplicates = 0;
  for (std::size_t t = 0; t < threads; ++t)
    for (auto& a : arrivals[t]) {
      auto it = by_msg_id.find(a.msg_id);
      if (it == by_msg_id.end())
        continue;
      auto [gi, num] = it->second;
      auto conn = static_cast<std::size_t>(a.conn);
      if ((conn % gm) / m != gi || seen[conn * per_group + num]++) {
        ++duplicates;
        continue;
      }
      stats[t].count_delivery((a.at_ns - sent_ns[gi][num]) / 1000);
      if (!a.frame.empty())
        opened_by[conn].push_back(std::move(a.frame));
    }
  std::uint64_t lost = 0;
  for (auto& [msg_id, where] : by_msg_id)
    for (std::size_t k = 0; k < m; ++k)
      for (auto conn : {where.first * m + k, gm + where.first * m + k})
        if (conn != frames[where.first][where.second].sender_conn)
          lost += seen[conn * per_group + where.second] ? 0 : 1;
  std::uint64_t unopened = 0;
  for (auto& [conn, got] : opened_by)
    unopened += open_group_traffic(s, conn, got);

  auto t = sum(stats);
  t.duplicates += duplicates;
  json result = flow_json(t, lost);
  result.update({{"scenario", "group"},
                 {"devices_per_user", 2},
                 {"e2e", g.e2e},
                 {"groups", g.groups},
                 {"members", g.members},
                 {"offered_rate", g.rate},
                 {"duration_s", g.duration},
                 {"deliveries", t.delivered},
                 {"expected_deliveries", by_msg_id.size() * fanout},
                 {"deliveries_per_second", static_cast<double>(t.delivered) / g.duration}});
  if (g.e2e)
    result.update({{"client_envelopes_per_second_per_core", cost.per_second_per_core()},
                   {"messages_not_opening", unopened}});
  std::cout << "group: " << g.groups << " group(s) of " << g.members
            << " members with two devices each, "
            << (g.e2e ? "end-to-end encrypted" : "plain bodies") << ", at " << g.rate
            << " msg/s for " << g.duration << " s\n"
            << "  sent " << t.sent << ", acked " << t.acked << ", deliveries " << t.delivered
            << " of " << by_msg_id.size() * fanout << ", lost " << lost << ", duplicates "
            << t.duplicates << ", errors " << t.errors << "\n";
  if (g.e2e)
    std::cout << "  messages the checking devices could not open: " << unopened << "\n";
  print_latency_table(t.ack, t.deliver);
  report_cpu(result, o, {server_cpu, pg_cpu}, t.delivered, "cpu_us_per_delivery", "delivery");
  std::cout << std::flush;
  return result;
}

} // namespace parley::bench
