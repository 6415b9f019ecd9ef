#pragma once
// What every parley-bench scenario shares: options, users set up through
// the REST API, CPU meters, the connection of a fleet, progress lines and
// the final latency table.
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "app/bench/histogram.hpp"
#include "app/bench/ws_fleet.hpp"
#include "net/client.hpp"

namespace parley::bench {

using json = nlohmann::json;

struct common_options {
  std::string server = "http://127.0.0.1:8080";
  std::string ca_file; // verifies an https:// server; empty: the system's CAs
  int threads = 1;
  int server_pid = 0;
  std::string json_path;
  std::string users_file = "var/bench-users.json";
  bool reuse = false;
  int source_addresses = 1;
  std::size_t body_padding = 0; // bytes added to each message body
};

struct account {
  std::string user_id;
  std::string token;
  std::string username; // empty for users saved by an older parley-bench
  std::string device_id;
};

// The password every user parley-bench registers has.
inline const char* bench_password = "bench-password-1";

// Runs work(0..count-1) on 8 threads; the first failure stops the rest and
// is thrown as "<what>: <reason>".
void in_parallel(std::size_t count, const std::function<void(std::size_t)>& work,
                 const std::string& what);

// Logs every user in again: a second device each (8 at a time).
std::vector<account> second_devices(const client::server_url& server,
                                    const std::vector<account>& users);

std::uint64_t now_ns();

// `count` users with one device each: read from the users file when
// --reuse finds enough there for this server, else registered (8 at a time).
std::vector<account> make_users(const common_options& o, const client::server_url& server,
                                std::size_t count);

// An authenticated REST call that must answer `status`; its JSON body.
json rest(const client::server_url& server, const std::string& method, const std::string& path,
          const std::string& token, const json& body, int status);

// CPU seconds of parleyd (with --server-pid) and of PostgreSQL since creation.
struct cpu_meter {
  int server_pid;
  double server0, pg0;
  explicit cpu_meter(int pid);
  double server() const;
  double postgres() const;
};

fleet_options fleet_of(const common_options& o, const client::server_url& server);

// Opens connections first..first+count-1 (connection i authenticates as
// users[i]) and waits until all are ready; throws if any fails.
void connect_all(fleet& f, const std::vector<account>& users, std::size_t first,
                 std::size_t count, fleet::frame_handler on_frame);

// Everything one client thread records; read by others only after the
// fleet stopped (the *_live copies feed the progress line).
struct thread_stats {
  histogram ack, deliver;
  std::uint64_t sent = 0, acked = 0, delivered = 0, duplicates = 0, errors = 0;
  std::atomic<std::uint64_t> sent_live{0}, acked_live{0}, delivered_live{0}, errors_live{0};
  void count_sent() { sent_live.store(++sent, std::memory_order_relaxed); }
  void count_ack(std::uint64_t micros);
  void count_delivery(std::uint64_t micros);
  void count_error() { errors_live.store(++errors, std::memory_order_relaxed); }
};

struct totals {
  histogram ack, deliver;
  std::uint64_t sent = 0, acked = 0, delivered = 0, duplicates = 0, errors = 0;
};
totals sum(const std::vector<thread_stats>& stats);

// Prints a progress line per second for `how_long`, or less once
// sending ended (`stop_ns`) and `expected_deliveries(acked)` arrived.
template <class Expected>
void show_progress(const char* scenario, const std::vector<thread_stats>& stats,
                   std::chrono::duration<double> how_long, std::uint64_t stop_ns,
                   Expected expected_deliveries);
// The figures every message-moving scenario reports: counts, losses,
// latency and (into `result`) CPU; also prints the CPU line, per `unit`.
json flow_json(const totals& t, std::uint64_t lost);
struct cpu_reading {
  double server_s, postgres_s;
};
void report_cpu(json& result, const common_options& o, cpu_reading cpu, std::uint64_t units,
                const char* key, const char* unit);
// The two rows are named `first` and `second` (12 characters each).
void print_latency_table(const histogram& ack, const histogram& deliver,
                         const char* first = "send→ack    ",
                         const char* second = "send→deliver");
json latency_json(const histogram& h);
std::string ms(std::uint64_t micros);
void write_json(const common_options& o, const json& result);

// Reused devices keep their client ids (a repeated id is an idempotent
// retry, not a new message) and may still get an earlier run's messages:
// ids and bodies carry this run's number.
struct run_tag {
  std::uint64_t run = now_ns() / 1000 % 1000000000;
  std::uint64_t id_base = run << 24; // 16M messages per sender at most
  std::string body_prefix;
  std::string body_needle;
  std::string padding; // ":" and that many 'x' after the numbers, if any
  explicit run_tag(char scenario, std::size_t padding_bytes = 0)
    : body_prefix(std::string(1, scenario) + std::to_string(run) + ":"),
      body_needle(R"("body":")" + body_prefix),
      padding(padding_bytes ? ":" + std::string(padding_bytes, 'x') : std::string{}) {}
};

// A send of message `num` to `target_key` ("to" or "conversation") whose
// body is "<prefix><a>:<num>:<sent ns>".
std::string send_frame(const run_tag& tag, std::uint64_t num, std::string_view target_key,
                       const std::string& target, std::uint64_t a, std::uint64_t sent);
// Reads such a body back from a message frame; false if not this run's.
bool parse_body(std::string_view text, const run_tag& tag, std::uint64_t& a, std::uint64_t& num,
                std::uint64_t& sent);

// The open loop of pairs: `send_one(sender, num)` for each of `senders`
// (sender i on thread i % threads) as they are due at `rate` in all, from
// `start_ns` to `stop_ns`, at most `per_sender` each; counts them as sent.
void send_open_loop(fleet& f, std::vector<thread_stats>& stats, double rate,
                    std::size_t senders, std::size_t per_sender, std::uint64_t start_ns,
                    std::uint64_t stop_ns,
                    const std::function<void(std::size_t, std::size_t)>& send_one);

// The integer after `key` (e.g. `"seq":`) in a frame, or -1.
std::int64_t int_after(std::string_view text, std::string_view key);
// The string after `key` (e.g. `"conversation":"`) up to the next quote.
std::string_view string_after(std::string_view text, std::string_view key);

// --- implementation of the template ---------------------------------------------

std::uint64_t live_sum(const std::vector<thread_stats>& stats,
                       std::atomic<std::uint64_t> thread_stats::*member);
void print_progress(const char* scenario, const std::vector<thread_stats>& stats,
                    std::uint64_t& last_delivered);

template <class Expected>
void show_progress(const char* scenario, const std::vector<thread_stats>& stats,
                   std::chrono::duration<double> how_long, std::uint64_t stop_ns,
                   Expected expected_deliveries) {
  auto end_at = std::chrono::steady_clock::now()
                + std::chrono::duration_cast<std::chrono::steady_clock::duration>(how_long);
  std::uint64_t last_delivered = 0;
  while (std::chrono::steady_clock::now() < end_at) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    print_progress(scenario, stats, last_delivered);
    auto sent = live_sum(stats, &thread_stats::sent_live);
    auto acked = live_sum(stats, &thread_stats::acked_live);
    auto errors = live_sum(stats, &thread_stats::errors_live);
    if (now_ns() > stop_ns + 100'000'000 && acked + errors >= sent
        && live_sum(stats, &thread_stats::delivered_live) >= expected_deliveries(acked))
      break; // everything came back: no need to wait out the drain
  }
}

} // namespace parley::bench
