#include "wire/metrics.hpp"

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

} // namespace

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
  // parley-bench's connect scenario reads memory per connection from here
  // when it cannot read /proc/PID of the server.
  line(out, "process_resident_memory_bytes", "gauge", "Resident memory of parleyd.",
       std::atomic<std::uint64_t>{resident_bytes()});
  return out;
}

} // namespace parley::wire
