#pragma once
// Immutable settings every actor of a node may read. The one shared mutable
// object is the id generator, which is lock-free and thread-safe by design
// (a node-wide clock, not actor state).
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "wire/credentials.hpp"
#include "wire/ids.hpp"
#include "wire/turn.hpp"

namespace parley {

struct node_context {
  int node_id = 1;
  std::string db_url;
  credentials::argon2_params argon2;
  std::shared_ptr<id_generator> ids;
  std::size_t message_stores = 1;   // write pool, by conversation hash
  std::size_t query_stores = 2;     // reads, logins, sign-ups
  std::size_t max_batch = 512;      // writes per transaction at most
  std::chrono::milliseconds store_timeout{3000};   // conversation → store
  std::chrono::milliseconds request_timeout{10000}; // session → conversation
  std::chrono::seconds conversation_idle{60};      // then it exits
  std::chrono::seconds presence_idle{30};
  bool fault_injection = false;
  std::string admin_token; // GET /v1/cluster; empty: off
  // Per-connection rate limit: a token bucket of `rate_burst` frames that
  // refills at `rate_per_second`.
  double rate_per_second = 1000;
  double rate_burst = 2000;
  // Messages a user may send a second across all devices, and the burst
  // (actors/send_budget.hpp); rate 0: unlimited.
  double user_send_rate = 100;
  double user_send_burst = 1000;
  // Sends of one connection waiting for their ack; past this, `rate_limited`.
  std::size_t max_pending_sends = 4096;
  std::string media_dir = "var/media";      // blobs/<sha256>: one file per content
  std::int64_t media_quota_bytes = std::int64_t{1} << 30; // per user, all uploads
  // A session silent for this long is a half-open connection: closed.
  std::chrono::seconds idle_timeout{60};
  // A token unused this long stops working (renewed by use, at most once
  // per token_renewal); a user has at most max_devices signed in.
  std::chrono::milliseconds token_ttl{std::chrono::hours(24 * 90)};
  std::size_t max_devices = 16;
  bool metrics_elsewhere = false; // /metrics is on --metrics-listen, not the main port
  std::int64_t max_groups_per_day = 100; // per creator; 0: unlimited
  std::chrono::milliseconds token_renewal() const {
    return std::min<std::chrono::milliseconds>(token_ttl / 10, std::chrono::hours(1));
  }
  // Last seen is written back at most this often per user (and on shutdown).
  std::chrono::milliseconds last_seen_flush{5000};
  std::size_t max_subscriptions = 1000;     // presence subscriptions per session
  std::size_t max_group_size = 1024;        // members, the creator included
  // A group's actor knows who sent its latest this-many messages, so that
  // a receipt goes to the senders of what it covers rather than to everyone.
  std::size_t recent_senders = 4096;
  // A typing indicator lasts this long unless refreshed.
  std::chrono::milliseconds typing_ttl{5000};
  // Typing frames per session: a bucket of `typing_burst`, refilled at
  // `typing_per_second`.
  double typing_per_second = 2;
  double typing_burst = 10;

  // Push notifications for users with no live device (off when the URL is
  // empty). At most one per user and conversation per window: the first
  // after `push_delay` (so that a burst becomes one), later ones with a count.
  std::string push_webhook;
  std::chrono::milliseconds push_window{10000};
  std::chrono::milliseconds push_delay{1000};
  std::chrono::milliseconds push_timeout{3000};  // one POST to the gateway
  int push_attempts = 5;                         // then it is given up
  std::chrono::milliseconds push_backoff{500};   // doubled after each failure
  std::size_t push_queue_limit = 10000;          // notifications not yet sent
  std::size_t push_senders = 4;                  // POSTs in flight at most

  // Uploads no message references are deleted after this long.
  std::chrono::seconds media_gc_age{24 * 3600};
  std::chrono::seconds media_gc_interval{600};
  // Envelopes of devices that acknowledged delivery are deleted once this
  // old (0: at the next sweep); see actors/envelope_sweeper.hpp.
  std::chrono::seconds envelope_retention{24 * 3600};
  std::chrono::seconds envelope_sweep_interval{600};

  // Calls (../shared/CALLS.md, "Flags and metrics").
  std::chrono::milliseconds call_ring_timeout{45000};
  std::chrono::milliseconds call_reconnect_grace{10000};
  // How long call.ended frames wait for the record's commit.
  std::chrono::milliseconds call_record_wait{3000};
  wire::turn_settings turn; // GET /v1/turn; no secret: 404 turn_not_configured
};

using context_ptr = std::shared_ptr<const node_context>;

} // namespace parley
