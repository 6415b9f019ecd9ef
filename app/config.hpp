#pragma once
// parleyd's configuration: command-line flags with environment fallbacks.
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace parley {

struct parleyd_config {
  std::string listen_host = "127.0.0.1";
  unsigned short listen_port = 8080;
  std::string db_url;
  int node_id = 1;
  int io_threads = 1;
  int workers = 2;
  // One is cheapest on a small machine: a single writer collects the
  // biggest batches, and PostgreSQL's cost is per commit more than per row.
  int write_stores = 1;
  int db_wait_seconds = 30;
  // --migrate-only: apply migrations as the owner role and exit; with
  // --grant-to, let that role read and write Parley's tables.
  bool migrate_only = false;
  std::string grant_to;
  std::string log_level = "info";
  bool fault_injection = false;
  unsigned argon2_memory_kib = 19 * 1024;
  unsigned argon2_time_cost = 2;
  double user_send_rate = 100;   // messages a second per user, all devices (0: unlimited)
  double user_send_burst = 1000;
  double rate_per_second = 1000;
  double rate_burst = 2000;
  std::string media_dir = "var/media";
  unsigned max_upload_mib = 64;
  unsigned media_quota_mib = 1024;
  unsigned idle_timeout_seconds = 60;
  unsigned last_seen_flush_ms = 5000;
  unsigned max_group_size = 1024;
  std::string push_webhook; // empty: no push notifications
  std::string push_secret;  // signs each POST (X-Parley-Signature); from a file
  unsigned push_window_ms = 10000;
  unsigned push_timeout_ms = 3000;
  unsigned media_gc_age_seconds = 24 * 3600;
  unsigned media_gc_interval_seconds = 600;
  unsigned envelope_retention_days = 1;
  unsigned envelope_sweep_interval_seconds = 600;

  // Calls and TURN (../shared/CALLS.md, "Flags and metrics").
  unsigned call_ring_timeout_ms = 45000;
  unsigned call_reconnect_grace_ms = 10000;
  std::string turn_secret;             // coturn's static-auth-secret; empty: no TURN
  std::vector<std::string> turn_urls;  // in order
  unsigned turn_ttl_seconds = 86400;

  // The cluster: off (a node alone) unless --cluster-listen is given.
  std::string cluster_host;          // empty: not clustered
  unsigned short cluster_port = 0;
  std::vector<std::pair<std::string, unsigned short>> seeds;
  // A peer silent this long is declared dead (heartbeats every third of it).
  unsigned failure_timeout_ms = 3000;
  // Mutual TLS between nodes: this node's certificate chain and key, and
  // the CA every peer's certificate must be signed by (all three or none).
  std::string cluster_tls_cert;
  std::string cluster_tls_key;
  std::string cluster_ca;
  // Clear-text cluster traffic on a non-loopback address (tests in network
  // namespaces only).
  bool cluster_insecure = false;
  // TLS on the main listener (both or neither): PEM chain and key.
  std::string tls_cert;
  std::string tls_key;
  // GET /v1/cluster needs `Authorization: Bearer <this>`; empty: disabled.
  std::string admin_token;
  // Browser origins allowed besides parleyd's own (--allowed-origin).
  std::vector<std::string> allowed_origins;
  // Throttles (0: unlimited) and the proxies whose X-Forwarded-For counts.
  unsigned login_failures_per_user = 5;  // per 15 minutes
  unsigned login_attempts_per_ip = 30;   // per minute
  unsigned signups_per_ip = 20;          // per hour
  unsigned lookups_per_ip = 120;         // per minute
  unsigned key_claims_per_minute = 3000; // device bundles per user
  std::vector<std::string> trusted_proxies;
  unsigned max_connections_per_ip = 16384;
  unsigned max_concurrent_uploads = 4; // per user and node
  double token_ttl_days = 90;       // unused this long, a token expires
  unsigned max_devices_per_user = 16;
  unsigned max_groups_per_day = 100;
  // GET /metrics on a listener of its own (empty: on the main listener).
  std::string metrics_host;
  unsigned short metrics_port = 0;
  // Argon2 workers, and how many hashes may wait for them before logins
  // and sign-ups are shed with 503.
  int hash_workers = 2;
  int hash_queue = 64;
};

// A parse that did not produce a config: print `text`, exit with `code`
// (0 for --help).
struct config_exit {
  int code;
  std::string text;
};

std::variant<parleyd_config, config_exit>
parse_parleyd_config(const std::vector<std::string>& args);

// 127.0.0.0/8, ::1 and localhost.
bool is_loopback_host(const std::string& host);

// "host:port" → (host, port); false on anything else.
bool parse_host_port(const std::string& text, std::string& host, unsigned short& port);

// "h1:p1,h2:p2" appended to `out`; returns the first malformed entry, or
// an empty string if all are well formed.
std::string parse_seeds(const std::string& text,
                        std::vector<std::pair<std::string, unsigned short>>& out);

} // namespace parley
