// The offline scenario: N messages stored for K devices that are offline
// (K senders, one per recipient, each keeping a window of sends in
// flight), then the K devices connect at once and catch up the way an app
// does: `sync`, and after each page of 500 a `delivered` receipt and the
// next `sync`. Figure: messages per second from the first connect to the
// last device done.
#include <iostream>
#include <unordered_map>

#include "app/bench/scenarios.hpp"

namespace parley::bench {

using namespace std::chrono;

namespace {

struct sender_state {
  std::string to;
  std::size_t count = 0;    // messages to store
  std::size_t next = 0;     // next message number (sender's thread)
  std::vector<std::uint8_t> acked;
};

struct recipient_state {
  std::vector<std::uint8_t> seen; // by message number (recipient's thread)
  // Newest seq per conversation, for the `delivered` receipt after a page
  // (reused devices may also hold an earlier run's messages).
  std::unordered_map<std::string, std::int64_t> max_seq;
  std::uint64_t done_ns = 0;
};

bool has(std::string_view text, std::string_view what) {
  return text.find(what) != std::string_view::npos;
}

} // namespace

json run_offline(const common_options& o, const client::server_url& server,
                 const offline_options& c) {
  auto k = static_cast<std::size_t>(c.recipients);
  auto total = static_cast<std::size_t>(c.messages);
  auto users = make_users(o, server, 2 * k);
  std::vector<sender_state> senders(k);
  std::vector<recipient_state> recipients(k);
  for (std::size_t i = 0; i < k; ++i) {
    senders[i].to = users[k + i].user_id;
    senders[i].count = total / k + (i < total % k ? 1 : 0);
    senders[i].acked.assign(senders[i].count, 0);
    recipients[i].seen.assign(senders[i].count, 0);
  }
  fleet f{fleet_of(o, server)};
  std::vector<thread_stats> stats(static_cast<std::size_t>(f.threads()));
  const run_tag tag{'o', o.body_padding};

  // Storing: each sender keeps `window` sends unacknowledged.
  auto send_next = [&](std::size_t i) {
    auto& s = senders[i];
    if (s.next >= s.count)
      return;
    auto num = s.next++;
    f.send(static_cast<int>(i), send_frame(tag, num, "to", s.to, i, now_ns()));
  };
  auto on_sender_frame = [&](int thread, int id, std::string_view text) {
    auto& st = stats[static_cast<std::size_t>(thread)];
    auto i = static_cast<std::size_t>(id);
    if (has(text, R"("type":"ack")")) {
      auto num = int_after(text, R"("id":)") - static_cast<std::int64_t>(tag.id_base);
      if (num < 0 || static_cast<std::size_t>(num) >= senders[i].count || senders[i].acked[num])
        return;
      senders[i].acked[num] = 1;
      st.acked_live.store(++st.acked, std::memory_order_relaxed);
      send_next(i);
    } else if (has(text, R"("type":"error")")) {
      st.count_error();
    }
  };
  connect_all(f, users, 0, k, on_sender_frame);
  auto store_started = steady_clock::now();
  for (std::size_t i = 0; i < k; ++i)
    f.post(static_cast<int>(i) % f.threads(), [&, i] {
      for (int w = 0; w < c.window; ++w)
        send_next(i);
    });
  auto store_deadline = store_started + seconds(60) + milliseconds(total / 2);
  std::uint64_t last = 0;
  while (live_sum(stats, &thread_stats::acked_live) + live_sum(stats, &thread_stats::errors_live)
           < total
         && steady_clock::now() < store_deadline) {
    std::this_thread::sleep_for(seconds(1));
    print_progress("offline: storing", stats, last);
  }
  auto stored = live_sum(stats, &thread_stats::acked_live);
  auto store_seconds = duration<double>(steady_clock::now() - store_started).count();
  if (stored < total)
    throw std::runtime_error("only " + std::to_string(stored) + " of " + std::to_string(total)
                             + " messages were stored in time");
  std::cerr << "offline: " << stored << " messages stored in " << store_seconds << " s\n";

  // Catching up: every recipient connects, then syncs page by page.
  std::atomic<std::size_t> done{0};
  auto on_recipient_frame = [&](int thread, int id, std::string_view text) {
    auto& st = stats[static_cast<std::size_t>(thread)];
    auto i = static_cast<std::size_t>(id) - k;
    auto& r = recipients[i];
    if (has(text, R"("type":"message")")) {
      auto& newest = r.max_seq[std::string{string_after(text, R"("conversation":")")}];
      newest = std::max(newest, int_after(text, R"("seq":)"));
      std::uint64_t from = 0, num = 0, sent = 0;
      if (!parse_body(text, tag, from, num, sent) || from != i || num >= r.seen.size())
        return;
      if (r.seen[num]++ > 0)
        ++st.duplicates;
      else
        st.delivered_live.store(++st.delivered, std::memory_order_relaxed);
    } else if (has(text, R"("type":"sync.done")")) {
      if (has(text, R"("more":true)")) {
        for (auto& [conversation, seq] : r.max_seq)
          f.send(id, R"({"type":"receipt","status":"delivered","conversation":")"
                       + conversation + R"(","up_to":)" + std::to_string(seq) + "}");
        f.send(id, R"({"type":"sync"})");
      } else {
        r.done_ns = now_ns();
        ++done;
      }
    } else if (has(text, R"("type":"error")")) {
      st.count_error();
    }
  };
  cpu_meter cpu{o.server_pid};
  auto catch_up_start = now_ns();
  connect_all(f, users, k, k, on_recipient_frame);
  for (std::size_t i = 0; i < k; ++i)
    f.send(static_cast<int>(k + i), R"({"type":"sync"})");
  auto deadline = steady_clock::now() + seconds(60) + milliseconds(total / 10);
  last = 0;
  auto next_progress = steady_clock::now() + seconds(1);
  while (done < k && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
    if (steady_clock::now() >= next_progress) {
      next_progress += seconds(1);
      print_progress("offline: catching up", stats, last);
    }
  }
  auto server_cpu = cpu.server();
  auto pg_cpu = cpu.postgres();
  f.stop();

  histogram per_device;
  std::uint64_t last_done = catch_up_start;
  for (auto& r : recipients)
    if (r.done_ns) {
      per_device.record((r.done_ns - catch_up_start) / 1000);
      last_done = std::max(last_done, r.done_ns);
    }
  auto t = sum(stats);
  std::uint64_t lost = 0;
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t num = 0; num < senders[i].count; ++num)
      if (senders[i].acked[num] && !recipients[i].seen[num])
        ++lost;
  auto seconds_taken = static_cast<double>(last_done - catch_up_start) / 1e9;
  json result{{"scenario", "offline"},
              {"messages", total},
              {"recipients", c.recipients},
              {"store_seconds", store_seconds},
              {"devices_done", done.load()},
              {"received", t.delivered},
              {"lost", lost},
              {"duplicates", t.duplicates},
              {"errors", t.errors},
              {"catch_up_seconds", seconds_taken},
              {"messages_per_second",
               seconds_taken > 0 ? static_cast<double>(t.delivered) / seconds_taken : 0.0},
              {"device_catch_up", latency_json(per_device)}};
  std::cout << "offline: " << total << " messages for " << k << " devices (stored in "
            << store_seconds << " s)\n"
            << "  caught up: " << done << "/" << k << " devices, " << t.delivered
            << " messages in " << seconds_taken << " s = "
            << result["messages_per_second"].get<double>() << " msg/s; lost " << lost
            << ", duplicates " << t.duplicates << ", errors " << t.errors << "\n"
            << "  per device ms  p50 " << ms(per_device.quantile(0.5)) << "  p99 "
            << ms(per_device.quantile(0.99)) << "  max " << ms(per_device.max()) << "\n";
  report_cpu(result, o, {server_cpu, pg_cpu}, t.delivered, "cpu_us_per_message", "message");
  std::cout << std::flush;
  return result;
}

} // namespace parley::bench
