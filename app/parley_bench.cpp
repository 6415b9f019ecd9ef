// parley-bench: the load generator. `parley-bench --help` explains every
// scenario. It sets up its own users through the REST API, drives real
// websocket connections (app/bench/ws_fleet.cpp) and reports latency from
// log-linear histograms and the CPU the server and PostgreSQL used.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <thread>

#include "app/bench/histogram.hpp"
#include "app/bench/proc_stats.hpp"
#include "app/bench/ws_fleet.hpp"
#include "net/client.hpp"

namespace {

using namespace std::chrono;
using namespace parley;
using json = nlohmann::json;
using bench::histogram;

struct common_options {
  std::string server = "http://127.0.0.1:8080";
  int threads = 1;
  int server_pid = 0;
  std::string json_path;
  std::string users_file = "var/bench-users.json";
  bool reuse = false;
  int source_addresses = 1;
};

struct account {
  std::string user_id;
  std::string token;
};

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
    duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count());
}

// --- users ----------------------------------------------------------------------------

json checked(const client::http_result& r, int status, const char* what) {
  auto body = json::parse(r.body, nullptr, false);
  if (r.status != status)
    throw std::runtime_error(std::string{what} + " answered " + std::to_string(r.status) + ": "
                             + r.body);
  return body;
}

// `count` users with one device each: read from the users file when
// --reuse finds enough there for this server, else registered (8 at a time).
std::vector<account> make_users(const common_options& o, const client::server_url& server,
                                std::size_t count) {
  if (o.reuse) {
    std::ifstream in{o.users_file};
    auto saved = json::parse(in, nullptr, false);
    if (!saved.is_discarded() && saved.value("server", "") == o.server
        && saved["users"].size() >= count) {
      std::vector<account> out;
      for (std::size_t i = 0; i < count; ++i)
        out.push_back({saved["users"][i]["user_id"], saved["users"][i]["token"]});
      std::cerr << "reusing " << count << " users from " << o.users_file << "\n";
      return out;
    }
  }
  std::vector<account> out(count);
  std::atomic<std::size_t> next{0};
  std::string prefix = "bench" + std::to_string(now_ns() % 1000000000) + "_";
  std::mutex failure_mutex;
  std::string failure;
  std::vector<std::thread> workers;
  for (int t = 0; t < 8; ++t)
    workers.emplace_back([&] {
      for (std::size_t i; (i = next++) < count;) {
        try {
          json creds{{"username", prefix + std::to_string(i)}, {"password", "bench-password-1"}};
          auto reg = checked(client::http_call(server, "POST", "/v1/users", creds.dump()), 201,
                             "sign-up");
          auto login = checked(client::http_call(server, "POST", "/v1/sessions", creds.dump()),
                               200, "login");
          out[i] = {reg["user_id"], login["token"]};
        } catch (const std::exception& e) {
          std::lock_guard lock{failure_mutex};
          failure = e.what();
          next = count;
        }
      }
    });
  for (auto& w : workers)
    w.join();
  if (!failure.empty())
    throw std::runtime_error("setting up users: " + failure);
  json saved{{"server", o.server}, {"users", json::array()}};
  for (auto& a : out)
    saved["users"].push_back({{"user_id", a.user_id}, {"token", a.token}});
  std::ofstream{o.users_file} << saved.dump();
  std::cerr << "registered " << count << " users (saved to " << o.users_file << ")\n";
  return out;
}

// --- reporting ------------------------------------------------------------------------

struct cpu_meter {
  int server_pid;
  double server0, pg0;
  explicit cpu_meter(int pid)
    : server_pid(pid),
      server0(pid ? bench::cpu_seconds(pid).value_or(0) : 0),
      pg0(bench::cpu_seconds_of_all("postgres")) {
  }
  double server() const {
    return server_pid ? bench::cpu_seconds(server_pid).value_or(0) - server0 : 0;
  }
  double postgres() const { return bench::cpu_seconds_of_all("postgres") - pg0; }
};

json latency_json(const histogram& h) {
  return {{"count", h.count()},           {"p50_us", h.quantile(0.5)},
          {"p90_us", h.quantile(0.9)},    {"p99_us", h.quantile(0.99)},
          {"p999_us", h.quantile(0.999)}, {"max_us", h.max()}};
}

std::string ms(std::uint64_t micros) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(micros) / 1000.0);
  return buf;
}

void write_json(const common_options& o, const json& result) {
  if (o.json_path.empty())
    return;
  std::ofstream out{o.json_path};
  out << result.dump(2) << '\n';
  if (!out)
    throw std::runtime_error("cannot write " + o.json_path);
}

bench::fleet_options fleet_of(const common_options& o, const client::server_url& server) {
  return {server.host, server.port, o.threads, o.source_addresses};
}

// --- connect --------------------------------------------------------------------------

struct connect_options {
  int connections = 1000;
  int hold_seconds = 5;
  int in_flight = 256; // handshakes under way at once
};

json run_connect(const common_options& o, const client::server_url& server,
                 const connect_options& c) {
  auto users = make_users(o, server, static_cast<std::size_t>(c.connections));
  auto rss_before = o.server_pid ? bench::rss_kib(o.server_pid).value_or(0) : 0;
  bench::fleet f{fleet_of(o, server)};
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
  auto rss_after = o.server_pid ? bench::rss_kib(o.server_pid).value_or(0) : 0;
  f.stop();
  json result{{"scenario", "connect"},
              {"connections", c.connections},
              {"ready", ready.load()},
              {"failed", failed.load()},
              {"connect_seconds", elapsed},
              {"connections_per_second", ready / elapsed},
              {"handshake", latency_json(handshake)}};
  if (o.server_pid) {
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
  if (o.server_pid)
    std::cout << ", server RSS +" << result["rss_per_connection_kib"].get<double>()
              << " KiB per connection";
  std::cout << std::endl;
  return result;
}

// --- pairs ----------------------------------------------------------------------------

struct pairs_options {
  int pairs = 100;
  double rate = 1000;   // messages per second, all pairs together
  double duration = 10; // seconds of sending
  double drain = 5;     // seconds to wait for the last deliveries
};

// Everything one thread records; read by others only after the fleet stopped.
struct thread_stats {
  histogram ack, deliver;
  std::uint64_t sent = 0, acked = 0, delivered = 0, duplicates = 0, errors = 0;
  std::atomic<std::uint64_t> sent_live{0}, acked_live{0}, delivered_live{0}, errors_live{0};
};

struct pair_state {
  std::string to;                      // the receiver's user id
  std::vector<std::uint64_t> sent_ns;  // by message number (owned by the sender's thread)
  std::vector<std::uint8_t> acked;     // (sender's thread)
  std::vector<std::uint8_t> seen;      // times delivered (receiver's thread)
};

// The integer after `"key":` in a frame, or -1.
std::int64_t int_after(std::string_view text, std::string_view key) {
  auto at = text.find(key);
  if (at == std::string_view::npos)
    return -1;
  auto* first = text.data() + at + key.size();
  std::int64_t v = -1;
  std::from_chars(first, text.data() + text.size(), v);
  return v;
}

json run_pairs(const common_options& o, const client::server_url& server,
               const pairs_options& p) {
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
  bench::fleet f{fleet_of(o, server)};
  std::vector<thread_stats> stats(static_cast<std::size_t>(f.threads()));
  // Reused devices keep their client ids (a repeated id is an idempotent
  // retry, not a new message) and may still get an earlier run's messages:
  // ids and bodies carry this run's number.
  const std::uint64_t run = now_ns() / 1000 % 1000000000;
  const std::uint64_t id_base = run << 24; // 16M messages per pair at most
  const std::string body_prefix = "p" + std::to_string(run) + ":";
  const std::string body_needle = R"("body":")" + body_prefix;

  auto on_frame = [&](int thread, int id, std::string_view text) {
    auto& st = stats[static_cast<std::size_t>(thread)];
    if (text.find(R"("type":"message")") != std::string_view::npos) {
      auto at = text.find(body_needle);
      if (at == std::string_view::npos)
        return; // not this run's
      std::uint64_t pair = 0, num = 0, sent = 0;
      auto* c = text.data() + at + body_needle.size();
      auto* end = text.data() + text.size();
      c = std::from_chars(c, end, pair).ptr + 1;
      c = std::from_chars(c, end, num).ptr + 1;
      std::from_chars(c, end, sent);
      if (pair >= n || num >= per_pair)
        return;
      if (pairs[pair].seen[num]++ > 0) {
        ++st.duplicates;
        return;
      }
      st.deliver.record((now_ns() - sent) / 1000);
      ++st.delivered;
      st.delivered_live.store(st.delivered, std::memory_order_relaxed);
    } else if (text.find(R"("type":"ack")") != std::string_view::npos) {
      auto num = int_after(text, R"("id":)") - static_cast<std::int64_t>(id_base);
      auto& ps = pairs[static_cast<std::size_t>(id)];
      if (num < 0 || static_cast<std::size_t>(num) >= per_pair || ps.acked[num])
        return;
      ps.acked[num] = 1;
      st.ack.record((now_ns() - ps.sent_ns[num]) / 1000);
      ++st.acked;
      st.acked_live.store(st.acked, std::memory_order_relaxed);
    } else if (text.find(R"("type":"error")") != std::string_view::npos) {
      ++st.errors;
      st.errors_live.store(st.errors, std::memory_order_relaxed);
    }
  };

  std::atomic<int> ready{0}, failed{0};
  std::string first_error;
  std::mutex error_mutex;
  for (int id = 0; id < 2 * p.pairs; ++id)
    f.open(id, users[static_cast<std::size_t>(id)].token, on_frame,
           [&](int, int, bool ok, std::uint64_t, const std::string& err) {
             if (ok)
               ++ready;
             else {
               std::lock_guard lock{error_mutex};
               first_error = err;
               ++failed;
             }
           });
  auto connect_deadline = steady_clock::now() + seconds(60);
  while (ready + failed < 2 * p.pairs && steady_clock::now() < connect_deadline)
    std::this_thread::sleep_for(milliseconds(20));
  if (ready < 2 * p.pairs)
    throw std::runtime_error("only " + std::to_string(ready.load()) + " of "
                             + std::to_string(2 * p.pairs)
                             + " connections came up: " + first_error);

  // Open loop: each thread sends what its senders are due by now, whether
  // or not the server keeps up, round-robin over its pairs.
  cpu_meter cpu{o.server_pid};
  auto start_ns = now_ns();
  auto stop_ns = start_ns + static_cast<std::uint64_t>(p.duration * 1e9);
  std::vector<std::size_t> next_num(n, 0);
  std::vector<std::size_t> cursor(stats.size(), 0);
  auto threads = static_cast<std::size_t>(f.threads());
  std::vector<std::size_t> senders_on(threads, 0); // pair i sends from thread i % threads
  for (std::size_t i = 0; i < n; ++i)
    ++senders_on[i % threads];
  f.every(microseconds(1000), [&, threads](int thread) {
    auto t = static_cast<std::size_t>(thread);
    auto now = now_ns();
    if (now > stop_ns)
      now = stop_ns;
    auto mine = senders_on[t];
    if (mine == 0)
      return;
    auto due = static_cast<std::uint64_t>(p.rate * static_cast<double>(mine) / p.pairs
                                          * static_cast<double>(now - start_ns) / 1e9);
    auto& st = stats[t];
    while (st.sent < due) {
      auto pair = t + threads * (cursor[t]++ % mine);
      auto num = next_num[pair]++;
      if (num >= per_pair)
        break;
      auto sent = now_ns();
      pairs[pair].sent_ns[num] = sent;
      std::string frame = R"({"type":"send","id":)" + std::to_string(id_base + num)
                          + R"(,"to":")" + pairs[pair].to + R"(","body":")" + body_prefix
                          + std::to_string(pair) + ":" + std::to_string(num) + ":"
                          + std::to_string(sent) + R"("})";
      f.send(static_cast<int>(pair), std::move(frame));
      ++st.sent;
      st.sent_live.store(st.sent, std::memory_order_relaxed);
    }
  });

  auto sum = [&](auto member) {
    std::uint64_t total = 0;
    for (auto& st : stats)
      total += (st.*member).load(std::memory_order_relaxed);
    return total;
  };
  auto end_at = steady_clock::now() + duration<double>(p.duration + p.drain);
  std::uint64_t last_delivered = 0;
  while (steady_clock::now() < end_at) {
    std::this_thread::sleep_for(seconds(1));
    auto delivered = sum(&thread_stats::delivered_live);
    std::cerr << "pairs: sent " << sum(&thread_stats::sent_live) << ", acked "
              << sum(&thread_stats::acked_live) << ", delivered " << delivered << " (+"
              << delivered - last_delivered << "/s), errors " << sum(&thread_stats::errors_live)
              << "\n";
    last_delivered = delivered;
    if (now_ns() > stop_ns + 100'000'000 && delivered >= sum(&thread_stats::acked_live)
        && sum(&thread_stats::acked_live) >= sum(&thread_stats::sent_live))
      break; // everything came back: no need to wait out the drain
  }
  auto server_cpu = cpu.server();
  auto pg_cpu = cpu.postgres();
  f.stop();

  histogram ack, deliver;
  std::uint64_t sent = 0, acked = 0, delivered = 0, duplicates = 0, errors = 0, lost = 0;
  for (auto& st : stats) {
    ack.merge(st.ack);
    deliver.merge(st.deliver);
    sent += st.sent;
    acked += st.acked;
    delivered += st.delivered;
    duplicates += st.duplicates;
    errors += st.errors;
  }
  for (auto& ps : pairs)
    for (std::size_t i = 0; i < per_pair; ++i)
      if (ps.acked[i] && !ps.seen[i])
        ++lost;
  auto seconds_sending = p.duration;
  json result{{"scenario", "pairs"},
              {"pairs", p.pairs},
              {"offered_rate", p.rate},
              {"duration_s", p.duration},
              {"sent", sent},
              {"acked", acked},
              {"delivered", delivered},
              {"lost", lost},
              {"duplicates", duplicates},
              {"errors", errors},
              {"delivered_per_second", static_cast<double>(delivered) / seconds_sending},
              {"send_to_ack", latency_json(ack)},
              {"send_to_deliver", latency_json(deliver)},
              {"postgres_cpu_s", pg_cpu}};
  if (o.server_pid) {
    result["server_cpu_s"] = server_cpu;
    result["cpu_us_per_delivery"] =
      delivered ? (server_cpu + pg_cpu) * 1e6 / static_cast<double>(delivered) : 0.0;
  }
  std::cout << "pairs: " << p.pairs << " pairs at " << p.rate << " msg/s for " << p.duration
            << " s\n"
            << "  sent " << sent << ", acked " << acked << ", delivered " << delivered
            << ", lost " << lost << ", duplicates " << duplicates << ", errors " << errors
            << "\n"
            << "  latency ms      p50      p90      p99    p99.9      max\n";
  for (auto& [name, h] : {std::pair{"send→ack    ", &ack}, {"send→deliver", &deliver}}) {
    char line[160];
    std::snprintf(line, sizeof line, "  %s %8s %8s %8s %8s %8s\n", name,
                  ms(h->quantile(0.5)).c_str(), ms(h->quantile(0.9)).c_str(),
                  ms(h->quantile(0.99)).c_str(), ms(h->quantile(0.999)).c_str(),
                  ms(h->max()).c_str());
    std::cout << line;
  }
  if (o.server_pid)
    std::cout << "  CPU: parleyd " << server_cpu << " s, PostgreSQL " << pg_cpu << " s = "
              << result["cpu_us_per_delivery"].get<double>() << " µs per delivered message\n";
  std::cout << std::flush;
  return result;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{
    "parley-bench: load generator for a Parley node.\n"
    "Sets up its own users through the REST API (saved in --users-file; --reuse\n"
    "takes them again), then drives real websocket connections. Every scenario is\n"
    "bounded in count and time, prints a progress line each second and a final\n"
    "table; --json FILE writes the figures. With --server-pid, the server's CPU and\n"
    "memory are read from /proc; PostgreSQL's CPU is that of every 'postgres'\n"
    "process on the machine."};
  app.require_subcommand(1);
  app.fallthrough();
  common_options o;
  app.add_option("--server", o.server, "parleyd's URL")->capture_default_str();
  app.add_option("--threads", o.threads, "client threads (many connections each)")
    ->check(CLI::Range(1, 64))
    ->capture_default_str();
  app.add_option("--server-pid", o.server_pid, "parleyd's pid, for CPU and memory");
  app.add_option("--json", o.json_path, "also write the figures to this file");
  app.add_option("--users-file", o.users_file, "where set-up users are kept")
    ->capture_default_str();
  app.add_flag("--reuse", o.reuse, "reuse the users in --users-file if there are enough");
  app.add_option("--source-addresses", o.source_addresses,
                 "spread connections over 127.0.0.1..N (past ~28k connections)")
    ->check(CLI::Range(1, 250))
    ->capture_default_str();

  connect_options c;
  auto* connect = app.add_subcommand(
    "connect",
    "open N authenticated websockets (at most --in-flight handshakes at once), hold\n"
    "them, report the connection rate, handshake latency (TCP connect to `ready`),\n"
    "failures and, with --server-pid, the server's resident memory per connection");
  connect->add_option("--connections", c.connections)->check(CLI::Range(1, 200000))
    ->capture_default_str();
  connect->add_option("--hold", c.hold_seconds, "seconds to hold them")
    ->check(CLI::Range(0, 3600))
    ->capture_default_str();
  connect->add_option("--in-flight", c.in_flight)->check(CLI::Range(1, 10000))
    ->capture_default_str();

  pairs_options p;
  auto* pairs = app.add_subcommand(
    "pairs",
    "P sender→receiver pairs of users, sending at an open-loop total --rate for\n"
    "--duration seconds (on schedule even when the server lags, so latency is\n"
    "honest); reports send→ack and send→deliver percentiles, delivered/s, losses\n"
    "(acked but not delivered after --drain seconds), duplicates and CPU per message");
  pairs->add_option("--pairs", p.pairs)->check(CLI::Range(1, 100000))->capture_default_str();
  pairs->add_option("--rate", p.rate, "messages per second, all pairs together")
    ->check(CLI::Range(1.0, 1e7))
    ->capture_default_str();
  pairs->add_option("--duration", p.duration, "seconds of sending")
    ->check(CLI::Range(0.1, 3600.0))
    ->capture_default_str();
  pairs->add_option("--drain", p.drain, "seconds to wait for the last deliveries")
    ->check(CLI::Range(0.0, 600.0))
    ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  auto server = client::parse_server_url(o.server);
  if (!server) {
    std::cerr << "parley-bench: --server must look like http://HOST:PORT\n";
    return 2;
  }
  try {
    json result = *connect ? run_connect(o, *server, c) : run_pairs(o, *server, p);
    write_json(o, result);
    if (*pairs && (result["lost"] != 0 || result["delivered"] == 0))
      return 1; // a run that lost messages, or moved none, fails
  } catch (const std::exception& e) {
    std::cerr << "parley-bench: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
