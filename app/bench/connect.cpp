// The connect scenario: how fast authenticated websockets come up, and what
// each costs the server in memory.
#include <atomic>
#include <functional>
#include <iostream>
#include <mutex>
#include <thread>

#include "app/bench/proc_stats.hpp"
#include "app/bench/scenarios.hpp"

namespace parley::bench {

using namespace std::chrono;


namespace {

// The server's resident memory in KiB: from /proc with --server-pid, else
// from its /metrics (process_resident_memory_bytes); 0 if neither answers.
std::uint64_t server_rss_kib(const common_options& o, const client::server_url& server) {
  if (o.server_pid)
    return rss_kib(o.server_pid).value_or(0);
  try {
    auto r = client::http_call(server, "GET", "/metrics");
    auto at = r.body.find("\nprocess_resident_memory_bytes ");
    if (r.status != 200 || at == std::string::npos)
      return 0;
    return std::stoull(r.body.substr(at + 31)) / 1024;
  } catch (const std::exception&) {
    return 0;
  }
}

} // namespace

json run_connect(const common_options& o, const client::server_url& server,
                 const connect_options& c) {
  auto users = make_users(o, server, static_cast<std::size_t>(c.connections));
  auto rss_before = server_rss_kib(o, server);
  fleet f{fleet_of(o, server)};
  std::atomic<int> ready{0}, failed{0}, next{0};
  std::mutex hist_mutex;
  histogram handshake;
  std::string first_error;
  std::function<void()> open_next;
  open_next = [&] {
    int id = next++;
    if (id >= c.connections)
      return;
    f.open(id, users[static_cast<std::size_t>(id)].token, nullptr,
           [&](int, int, bool ok, std::uint64_t micros, const std::string& err) {
             if (ok) {
               ++ready;
               std::lock_guard lock{hist_mutex};
               handshake.record(micros);
             } else {
               std::lock_guard lock{hist_mutex};
               if (first_error.empty())
                 first_error = err;
               ++failed;
             }
             open_next();
           });
  };
  auto started = steady_clock::now();
  for (int i = 0; i < std::min(c.in_flight, c.connections); ++i)
    open_next();
  auto deadline = started + seconds(60) + milliseconds(c.connections * 2);
  auto last_progress = started;
  while (ready + failed < c.connections && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(100));
    if (steady_clock::now() - last_progress >= seconds(1)) {
      last_progress = steady_clock::now();
      std::cerr << "connect: " << ready << " ready, " << failed << " failed\n";
    }
  }
  auto elapsed = duration<double>(steady_clock::now() - started).count();
  std::this_thread::sleep_for(seconds(c.hold_seconds));
  auto rss_after = server_rss_kib(o, server);
  f.stop();
  json result{{"scenario", "connect"},
              {"connections", c.connections},
              {"ready", ready.load()},
              {"failed", failed.load()},
              {"connect_seconds", elapsed},
              {"connections_per_second", ready / elapsed},
              {"handshake", latency_json(handshake)}};
  if (rss_before && rss_after) {
    result["server_rss_before_kib"] = rss_before;
    result["server_rss_after_kib"] = rss_after;
    result["rss_per_connection_kib"] =
      ready > 0 ? static_cast<double>(rss_after - rss_before) / ready : 0.0;
  }
  if (!first_error.empty())
    result["first_error"] = first_error;
  std::cout << "connect: " << ready << "/" << c.connections << " ready in " << elapsed << " s ("
            << static_cast<int>(ready / elapsed) << "/s), handshake p50 "
            << ms(handshake.quantile(0.5)) << " ms p99 " << ms(handshake.quantile(0.99))
            << " ms, failures " << failed;
  if (rss_before && rss_after)
    std::cout << ", server RSS +" << result["rss_per_connection_kib"].get<double>()
              << " KiB per connection";
  std::cout << std::endl;
  return result;
}

} // namespace parley::bench
