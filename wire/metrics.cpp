#include "wire/metrics.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>

namespace parley::wire {

metrics& metrics::get() {
  static metrics instance;
  return instance;
}

namespace {

template <class T>
void line(std::string& out, const char* name, const char* type, const char* help,
          const std::atomic<T>& value) {
  out += std::string{"# HELP "} + name + " " + help + "\n# TYPE " + name + " "
         + type + "\n" + name + " " + std::to_string(value.load()) + "\n";
}

// VmRSS of this process, in bytes (0 where /proc is missing).
std::uint64_t resident_bytes() {
  std::ifstream status{"/proc/self/status"};
  std::string key;
  std::uint64_t kib = 0;
  while (status >> key) {
    if (key == "VmRSS:") {
      status >> kib;
      break;
    }
    status.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return kib * 1024;
}

constexpr std::array<const char*, metrics::call_results> call_result_names{
  "answered", "missed", "rejected", "busy", "cancelled"};

void call_lines(std::string& out, const metrics& m) {
  out += "# HELP parley_calls_total Calls ended, by the result their record committed.\n"
         "# TYPE parley_calls_total counter\n";
  for (std::size_t i = 0; i < m.calls.size(); ++i)
    out += std::string{"parley_calls_total{result=\""} + call_result_names[i] + "\"} "
           + std::to_string(m.calls[i].load()) + "\n";
  out += "# HELP parley_call_setup_seconds From an accepted offer to its answer.\n"
         "# TYPE parley_call_setup_seconds histogram\n";
  for (std::size_t i = 0; i < m.call_setup_buckets.size(); ++i) {
    char le[32];
    std::snprintf(le, sizeof le, "%g", m.call_setup_buckets[i]);
    out += std::string{"parley_call_setup_seconds_bucket{le=\""} + le + "\"} "
           + std::to_string(m.call_setup_le[i].load()) + "\n";
  }
  auto count = std::to_string(m.call_setup_count.load());
  char sum[32];
  std::snprintf(sum, sizeof sum, "%.3f", m.call_setup_ms.load() / 1000.0);
  out += "parley_call_setup_seconds_bucket{le=\"+Inf\"} " + count + "\n"
         + "parley_call_setup_seconds_sum " + sum + "\n"
         + "parley_call_setup_seconds_count " + count + "\n";
}

} // namespace

void metrics::call_recorded(std::string_view result) {
  for (std::size_t i = 0; i < call_result_names.size(); ++i)
    if (result == call_result_names[i])
      calls[i].fetch_add(1, std::memory_order_relaxed);
}

void metrics::call_answered(std::int64_t setup_ms) {
  for (std::size_t i = 0; i < call_setup_buckets.size(); ++i)
    if (setup_ms <= call_setup_buckets[i] * 1000)
      call_setup_le[i].fetch_add(1, std::memory_order_relaxed); // cumulative buckets
  call_setup_count.fetch_add(1, std::memory_order_relaxed);
  call_setup_ms.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(0, setup_ms)),
                          std::memory_order_relaxed);
}

std::string metrics::render() const {
  std::string out;
  line(out, "parley_ws_connections", "gauge", "Open websocket connections.", ws_open);
  line(out, "parley_ws_accepted_total", "counter", "Websocket connections accepted.",
       ws_accepted);
  line(out, "parley_frames_in_total", "counter", "Websocket frames received.",
       frames_in);
  line(out, "parley_frames_out_total", "counter", "Websocket frames sent.",
       frames_out);
  line(out, "parley_frame_errors_total", "counter", "Frames answered with an error.",
       frame_errors);
  line(out, "parley_messages_acked_total", "counter",
       "Messages committed and acknowledged.", messages_acked);
  line(out, "parley_send_failures_total", "counter",
       "Sends answered with an error after validation.", send_failures);
  line(out, "parley_rate_limited_total", "counter", "Frames refused by the rate limit.",
       rate_limited);
  line(out, "parley_slow_consumers_total", "counter",
       "Connections closed because their send queue was full.", slow_consumers);
  line(out, "parley_http_requests_total", "counter", "HTTP requests served.",
       http_requests);
  line(out, "parley_store_batches_total", "counter",
       "Write transactions committed by store actors.", store_batches);
  line(out, "parley_store_batch_writes_total", "counter",
       "Writes (messages, cursors) in those transactions.", store_batch_writes);
  line(out, "parley_store_commit_microseconds_total", "counter",
       "Time spent running write transactions.", store_commit_micros);
  line(out, "parley_idle_closed_total", "counter",
       "Websockets closed for silence past the idle limit.", idle_closed);
  line(out, "parley_presence_changes_total", "counter",
       "Users going online or offline.", presence_changes);
  line(out, "parley_envelopes_swept_total", "counter",
       "Envelopes deleted after delivery and --envelope-retention-days.", envelopes_swept);
  line(out, "parley_presence_notifications_total", "counter",
       "Presence frames sent to watchers.", presence_notifications);
  line(out, "parley_last_seen_writes_total", "counter",
       "Last-seen values written back to PostgreSQL (coalesced).", last_seen_writes);
  line(out, "parley_push_sent_total", "counter",
       "Push notifications the gateway accepted.", push_sent);
  line(out, "parley_push_coalesced_total", "counter",
       "Messages folded into another message's push notification.", push_coalesced);
  line(out, "parley_push_failed_total", "counter",
       "Push notifications refused by the gateway or given up after retries.",
       push_failed);
  line(out, "parley_push_retries_total", "counter",
       "Push notifications scheduled again after a gateway failure.", push_retries);
  line(out, "parley_push_dropped_total", "counter",
       "Push notifications dropped because the queue was full.", push_dropped);
  line(out, "parley_media_collected_total", "counter",
       "Unreferenced uploads deleted by the media collector.", media_collected);
  line(out, "parley_media_collected_bytes_total", "counter",
       "Bytes of those uploads.", media_collected_bytes);
  line(out, "parley_cluster_members", "gauge",
       "Live cluster members as this node sees them, itself included.", cluster_members);
  line(out, "parley_cluster_remote_sends_total", "counter",
       "Requests this node routed to an actor on another node.", cluster_remote_sends);
  line(out, "parley_cluster_rehomed_actors_total", "counter",
       "Conversation and presence actors that left this node after a ring change.",
       cluster_rehomed);
  line(out, "parley_connections_refused_total", "counter",
       "Connections closed at accept: their address had --max-connections-per-ip open.",
       connections_refused);
  line(out, "parley_cluster_refused_total", "counter",
       "Relayed requests refused because their node is not an admitted member.",
       cluster_refused);
  line(out, "parley_cluster_ring_changes_total", "counter",
       "Membership changes that gave this node a new ring.", cluster_ring_changes);
  line(out, "parley_live_gaps_total", "counter",
       "Gaps in a connected device's message frames, filled from PostgreSQL.", live_gaps);
  line(out, "parley_live_recoveries_total", "counter",
       "Reads of what connected devices may have lost when a node left the ring.",
       live_recoveries);
  line(out, "parley_live_refilled_total", "counter",
       "Message frames those reads found and sent (before removing repeats).",
       live_refilled);
  call_lines(out, *this);
  line(out, "parley_calls_active", "gauge",
       "Ringing and answered calls whose actor runs on this node.", calls_active);
  line(out, "parley_call_records_late_total", "counter",
       "Call records committed after their call.ended frames went out.", call_records_late);
  // parley-bench's connect scenario reads memory per connection from here
  // when it cannot read /proc/PID of the server.
  line(out, "process_resident_memory_bytes", "gauge", "Resident memory of parleyd.",
       std::atomic<std::uint64_t>{resident_bytes()});
  return out;
}

} // namespace parley::wire
