#pragma once
// Node-wide counters for /metrics. Lock-free atomics, written from any
// thread: observability, not actor state.
#include <array>
#include <atomic>
#include <string_view>
#include <cstdint>
#include <string>

namespace parley::wire {

struct metrics {
  std::atomic<std::int64_t> ws_open{0};
  std::atomic<std::uint64_t> ws_accepted{0};
  std::atomic<std::uint64_t> frames_in{0};
  std::atomic<std::uint64_t> frames_out{0};
  std::atomic<std::uint64_t> frame_errors{0};
  std::atomic<std::uint64_t> messages_acked{0};
  std::atomic<std::uint64_t> send_failures{0};
  std::atomic<std::uint64_t> rate_limited{0};
  std::atomic<std::uint64_t> slow_consumers{0};
  std::atomic<std::uint64_t> http_requests{0};
  std::atomic<std::uint64_t> store_batches{0};
  std::atomic<std::uint64_t> store_batch_writes{0};
  std::atomic<std::uint64_t> store_commit_micros{0};
  std::atomic<std::uint64_t> idle_closed{0};
  std::atomic<std::uint64_t> presence_changes{0};
  std::atomic<std::uint64_t> envelopes_swept{0};
  std::atomic<std::uint64_t> presence_notifications{0};
  std::atomic<std::uint64_t> last_seen_writes{0};
  std::atomic<std::uint64_t> push_sent{0};
  std::atomic<std::uint64_t> push_coalesced{0};
  std::atomic<std::uint64_t> push_failed{0};
  std::atomic<std::uint64_t> push_retries{0};
  std::atomic<std::uint64_t> push_dropped{0};
  std::atomic<std::uint64_t> media_collected{0};
  std::atomic<std::uint64_t> media_collected_bytes{0};
  std::atomic<std::int64_t> cluster_members{1};        // live, this node included
  std::atomic<std::uint64_t> cluster_remote_sends{0};  // requests routed to another node
  std::atomic<std::uint64_t> cluster_rehomed{0};       // actors moved off this node
  std::atomic<std::uint64_t> cluster_refused{0};       // relayed requests from strangers
  std::atomic<std::uint64_t> connections_refused{0};   // over --max-connections-per-ip
  std::atomic<std::uint64_t> cluster_ring_changes{0};
  std::atomic<std::uint64_t> live_gaps{0};       // gaps in a device's live frames
  std::atomic<std::uint64_t> live_recoveries{0}; // reads after a fault
  std::atomic<std::uint64_t> live_refilled{0};   // frames those reads sent
  // Calls (../shared/CALLS.md, "Flags and metrics").
  static constexpr std::size_t call_results = 5; // answered missed rejected busy cancelled
  std::array<std::atomic<std::uint64_t>, call_results> calls{};
  std::atomic<std::int64_t> calls_active{0};
  std::atomic<std::uint64_t> call_records_late{0};
  static constexpr std::array<double, 8> call_setup_buckets{0.5, 1, 2, 5, 10, 20, 45, 120};
  std::array<std::atomic<std::uint64_t>, call_setup_buckets.size()> call_setup_le{};
  std::atomic<std::uint64_t> call_setup_count{0};
  std::atomic<std::uint64_t> call_setup_ms{0};
  // `result` as the record names it; `setup_ms` of an answered call.
  void call_recorded(std::string_view result);
  void call_answered(std::int64_t setup_ms);

  static metrics& get();
  // Prometheus text exposition format.
  std::string render() const;
};

} // namespace parley::wire
