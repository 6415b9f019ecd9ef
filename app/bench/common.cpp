#include "app/bench/common.hpp"

#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "app/bench/proc_stats.hpp"

namespace parley::bench {

using namespace std::chrono;

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
    duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count());
}

namespace {

json checked(const client::http_result& r, int status, const std::string& what) {
  if (r.status != status)
    throw std::runtime_error(what + " answered " + std::to_string(r.status) + ": " + r.body);
  return json::parse(r.body, nullptr, false);
}

std::vector<account> saved_users(const common_options& o, std::size_t count) {
  std::ifstream in{o.users_file};
  auto saved = json::parse(in, nullptr, false);
  if (saved.is_discarded() || saved.value("server", "") != o.server
      || saved["users"].size() < count)
    return {};
  std::vector<account> out;
  for (std::size_t i = 0; i < count; ++i) {
    auto& u = saved["users"][i];
    out.push_back({u["user_id"], u["token"], u.value("username", ""), u.value("device_id", "")});
  }
  std::cerr << "reusing " << count << " users from " << o.users_file << "\n";
  return out;
}

} // namespace

std::vector<account> make_users(const common_options& o, const client::server_url& server,
                                std::size_t count) {
  if (o.reuse)
    if (auto out = saved_users(o, count); !out.empty())
      return out;
  std::vector<account> out(count);
  std::string prefix = "bench" + std::to_string(now_ns() % 1000000000) + "_";
  in_parallel(count, [&](std::size_t i) {
    json creds{{"username", prefix + std::to_string(i)}, {"password", bench_password}};
    auto reg = checked(client::http_call(server, "POST", "/v1/users", creds.dump()), 201,
                       "sign-up");
    auto login = checked(client::http_call(server, "POST", "/v1/sessions", creds.dump()), 200,
                         "login");
    out[i] = {reg["user_id"], login["token"], creds["username"], login["device_id"]};
  }, "setting up users");
  json saved{{"server", o.server}, {"users", json::array()}};
  for (auto& a : out)
    saved["users"].push_back({{"user_id", a.user_id},
                              {"token", a.token},
                              {"username", a.username},
                              {"device_id", a.device_id}});
  std::ofstream{o.users_file} << saved.dump();
  std::cerr << "registered " << count << " users (saved to " << o.users_file << ")\n";
  return out;
}

void in_parallel(std::size_t count, const std::function<void(std::size_t)>& work,
                 const std::string& what) {
  std::atomic<std::size_t> next{0};
  std::mutex failure_mutex;
  std::string failure;
  std::vector<std::thread> workers;
  for (int t = 0; t < 8; ++t)
    workers.emplace_back([&] {
      for (std::size_t i; (i = next++) < count;) {
        try {
          work(i);
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
    throw std::runtime_error(what + ": " + failure);
}

std::vector<account> second_devices(const client::server_url& server,
                                    const std::vector<account>& users) {
  std::vector<account> out(users.size());
  in_parallel(users.size(), [&](std::size_t i) {
    if (users[i].username.empty())
      throw std::runtime_error("users saved by an older parley-bench have no username:"
                               " run without --reuse");
    json creds{{"username", users[i].username}, {"password", bench_password}};
    auto login = checked(client::http_call(server, "POST", "/v1/sessions", creds.dump()), 200,
                         "login");
    out[i] = {users[i].user_id, login["token"], users[i].username, login["device_id"]};
  }, "logging in second devices");
  return out;
}

json rest(const client::server_url& server, const std::string& method, const std::string& path,
          const std::string& token, const json& body, int status) {
  return checked(client::http_call(server, method, path, body.dump(), token), status,
                 method + " " + path);
}

cpu_meter::cpu_meter(int pid)
  : server_pid(pid),
    server0(pid ? cpu_seconds(pid).value_or(0) : 0),
    pg0(cpu_seconds_of_all("postgres")) {
}

double cpu_meter::server() const {
  return server_pid ? cpu_seconds(server_pid).value_or(0) - server0 : 0;
}

double cpu_meter::postgres() const {
  return cpu_seconds_of_all("postgres") - pg0;
}

fleet_options fleet_of(const common_options& o, const client::server_url& server) {
  return {server.host, server.port, o.threads, o.source_addresses, server.tls, server.ca_file};
}

void connect_all(fleet& f, const std::vector<account>& users, std::size_t first,
                 std::size_t count, fleet::frame_handler on_frame) {
  std::atomic<std::size_t> ready{0}, failed{0};
  std::mutex error_mutex;
  std::string first_error;
  for (auto id = first; id < first + count; ++id)
    f.open(static_cast<int>(id), users[id].token, on_frame,
           [&](int, int, bool ok, std::uint64_t, const std::string& err) {
             if (ok) {
               ++ready;
               return;
             }
             std::lock_guard lock{error_mutex};
             if (first_error.empty())
               first_error = err;
             ++failed;
           });
  auto deadline = steady_clock::now() + seconds(60);
  while (ready + failed < count && steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(20));
  if (ready < count) {
    std::lock_guard lock{error_mutex};
    throw std::runtime_error("only " + std::to_string(ready.load()) + " of "
                             + std::to_string(count) + " connections came up: " + first_error);
  }
}

void thread_stats::count_ack(std::uint64_t micros) {
  ack.record(micros);
  acked_live.store(++acked, std::memory_order_relaxed);
}

void thread_stats::count_delivery(std::uint64_t micros) {
  deliver.record(micros);
  delivered_live.store(++delivered, std::memory_order_relaxed);
}

totals sum(const std::vector<thread_stats>& stats) {
  totals t;
  for (auto& st : stats) {
    t.ack.merge(st.ack);
    t.deliver.merge(st.deliver);
    t.sent += st.sent;
    t.acked += st.acked;
    t.delivered += st.delivered;
    t.duplicates += st.duplicates;
    t.errors += st.errors;
  }
  return t;
}

std::uint64_t live_sum(const std::vector<thread_stats>& stats,
                       std::atomic<std::uint64_t> thread_stats::*member) {
  std::uint64_t total = 0;
  for (auto& st : stats)
    total += (st.*member).load(std::memory_order_relaxed);
  return total;
}

void print_progress(const char* scenario, const std::vector<thread_stats>& stats,
                    std::uint64_t& last_delivered) {
  auto delivered = live_sum(stats, &thread_stats::delivered_live);
  std::cerr << scenario << ": sent " << live_sum(stats, &thread_stats::sent_live) << ", acked "
            << live_sum(stats, &thread_stats::acked_live) << ", delivered " << delivered
            << " (+" << delivered - last_delivered << "/s), errors "
            << live_sum(stats, &thread_stats::errors_live) << "\n";
  last_delivered = delivered;
}

json flow_json(const totals& t, std::uint64_t lost) {
  return {{"sent", t.sent},
          {"acked", t.acked},
          {"lost", lost},
          {"duplicates", t.duplicates},
          {"errors", t.errors},
          {"send_to_ack", latency_json(t.ack)},
          {"send_to_deliver", latency_json(t.deliver)}};
}

void report_cpu(json& result, const common_options& o, cpu_reading cpu, std::uint64_t units,
                const char* key, const char* unit) {
  result["postgres_cpu_s"] = cpu.postgres_s;
  if (!o.server_pid)
    return;
  result["server_cpu_s"] = cpu.server_s;
  auto per_unit = units ? (cpu.server_s + cpu.postgres_s) * 1e6 / static_cast<double>(units) : 0.0;
  result[key] = per_unit;
  std::cout << "  CPU: parleyd " << cpu.server_s << " s, PostgreSQL " << cpu.postgres_s
            << " s = " << per_unit << " µs per " << unit << "\n";
}

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

void print_latency_table(const histogram& ack, const histogram& deliver, const char* first,
                         const char* second) {
  std::cout << "  latency ms      p50      p90      p99    p99.9      max\n";
  for (auto& [name, h] : {std::pair{first, &ack}, {second, &deliver}}) {
    char line[160];
    std::snprintf(line, sizeof line, "  %s %8s %8s %8s %8s %8s\n", name,
                  ms(h->quantile(0.5)).c_str(), ms(h->quantile(0.9)).c_str(),
                  ms(h->quantile(0.99)).c_str(), ms(h->quantile(0.999)).c_str(),
                  ms(h->max()).c_str());
    std::cout << line;
  }
}

void write_json(const common_options& o, const json& result) {
  if (o.json_path.empty())
    return;
  std::ofstream out{o.json_path};
  out << result.dump(2) << '\n';
  if (!out)
    throw std::runtime_error("cannot write " + o.json_path);
}

std::int64_t int_after(std::string_view text, std::string_view key) {
  auto at = text.find(key);
  if (at == std::string_view::npos)
    return -1;
  auto* first = text.data() + at + key.size();
  std::int64_t v = -1;
  std::from_chars(first, text.data() + text.size(), v);
  return v;
}

std::string_view string_after(std::string_view text, std::string_view key) {
  auto at = text.find(key);
  if (at == std::string_view::npos)
    return {};
  auto rest = text.substr(at + key.size());
  return rest.substr(0, rest.find('"'));
}

std::string send_frame(const run_tag& tag, std::uint64_t num, std::string_view target_key,
                       const std::string& target, std::uint64_t a, std::uint64_t sent) {
  return R"({"type":"send","id":)" + std::to_string(tag.id_base + num) + R"(,")"
         + std::string(target_key) + R"(":")" + target + R"(","body":")" + tag.body_prefix
         + std::to_string(a) + ":" + std::to_string(num) + ":" + std::to_string(sent)
         + tag.padding + R"("})";
}

void send_open_loop(fleet& f, std::vector<thread_stats>& stats, double rate,
                    std::size_t senders, std::size_t per_sender, std::uint64_t start_ns,
                    std::uint64_t stop_ns,
                    const std::function<void(std::size_t, std::size_t)>& send_one) {
  auto threads = static_cast<std::size_t>(f.threads());
  // The fleet copies the function for every tick: the counters live here,
  // and thread t only touches its own senders' and its own cursor.
  struct loop_state {
    std::vector<std::size_t> next_num, cursor, senders_on;
  };
  auto state = std::make_shared<loop_state>();
  state->next_num.assign(senders, 0);
  state->cursor.assign(threads, 0);
  state->senders_on.assign(threads, 0);
  for (std::size_t i = 0; i < senders; ++i)
    ++state->senders_on[i % threads];
  f.every(microseconds(1000), [&stats, rate, senders, per_sender, start_ns, stop_ns, send_one,
                               threads, state](int thread) {
    auto t = static_cast<std::size_t>(thread);
    auto now = std::min(now_ns(), stop_ns);
    auto mine = state->senders_on[t];
    if (mine == 0)
      return;
    auto due = static_cast<std::uint64_t>(rate * static_cast<double>(mine)
                                          / static_cast<double>(senders)
                                          * static_cast<double>(now - start_ns) / 1e9);
    auto& st = stats[t];
    while (st.sent < due) {
      auto sender = t + threads * (state->cursor[t]++ % mine);
      auto num = state->next_num[sender]++;
      if (num >= per_sender)
        break;
      send_one(sender, num);
      st.count_sent();
    }
  });
}

// "<prefix><a>:<b>:<sent ns>" in a message frame's body: a, b, sent.
bool parse_body(std::string_view text, const run_tag& tag, std::uint64_t& a, std::uint64_t& b,
                std::uint64_t& sent) {
  auto at = text.find(tag.body_needle);
  if (at == std::string_view::npos)
    return false; // not this run's
  auto* c = text.data() + at + tag.body_needle.size();
  auto* end = text.data() + text.size();
  c = std::from_chars(c, end, a).ptr + 1;
  c = std::from_chars(c, end, b).ptr + 1;
  std::from_chars(c, end, sent);
  return true;
}

} // namespace parley::bench
