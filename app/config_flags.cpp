// parleyd's flags, declared by concern; app/config.cpp parses them and
// checks what CLI11 cannot. Each flag keeps its environment fallback.
#include "app/config_flags.hpp"

namespace parley {

namespace {
// Where it listens, which database, and how many threads.
void add_node_flags(CLI::App& app, parleyd_config& cfg, flag_texts& raw) {
  app.add_option("--listen", raw.listen, "HTTP and websocket address, HOST:PORT")
    ->envname("PARLEY_LISTEN")
    ->capture_default_str();
  app.add_option("--db", cfg.db_url, "PostgreSQL URL (default: $DATABASE_URL)")
    ->envname("DATABASE_URL");
  app.add_option("--db-file", raw.db_file, "file holding the PostgreSQL URL (instead of --db)")
    ->envname("PARLEY_DB_FILE");
  app.add_option("--node-id", cfg.node_id, "unique id of this node in the cluster")
    ->envname("PARLEY_NODE_ID")
    ->check(CLI::Range(0, 1023))
    ->capture_default_str();
  app.add_option("--io-threads", cfg.io_threads, "Asio threads for network I/O")
    ->check(CLI::Range(1, 64))
    ->capture_default_str();
  app.add_option("--workers", cfg.workers, "CAF scheduler threads")
    ->check(CLI::Range(1, 64))
    ->capture_default_str();
  app.add_option("--write-stores", cfg.write_stores,
                 "PostgreSQL connections that commit messages and receipts (each a batch"
                 " per round trip; conversations are hashed onto them)")
    ->check(CLI::Range(1, 16))
    ->capture_default_str();
  app.add_option("--db-wait", cfg.db_wait_seconds,
                 "seconds to wait for PostgreSQL at start-up")
    ->check(CLI::Range(0, 3600))
    ->capture_default_str();
  app.add_flag("--migrate-only", cfg.migrate_only,
               "apply the schema migrations (as the database's owner role) and exit");
  app.add_option("--grant-to", cfg.grant_to,
                 "with --migrate-only: the role parleyd runs as, given read and write on "
                 "Parley's tables and nothing else");
  app.add_option("--log-level", cfg.log_level, "trace, debug, info, warn or error")
    ->envname("PARLEY_LOG_LEVEL")
    ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
    ->capture_default_str();
  app.add_flag("--enable-fault-injection", cfg.fault_injection,
               "enable POST /v1/debug/fault (tests only)");
}

// Passwords, tokens, devices, and the throttles on sign-ups and logins.
void add_accounts_flags(CLI::App& app, parleyd_config& cfg) {
  app.add_option("--argon2-memory-kib", cfg.argon2_memory_kib,
                 "Argon2id memory cost per password hash")
    ->check(CLI::Range(1024u, 4u * 1024 * 1024))
    ->capture_default_str();
  app.add_option("--argon2-time-cost", cfg.argon2_time_cost, "Argon2id passes")
    ->check(CLI::Range(1u, 100u))
    ->capture_default_str();
  app.add_option("--hash-workers", cfg.hash_workers,
                 "threads that run Argon2 for logins, sign-ups and password changes")
    ->check(CLI::Range(1, 64))
    ->capture_default_str();
  app.add_option("--hash-queue", cfg.hash_queue,
                 "password hashes that may wait for a worker; past it 503 unavailable")
    ->check(CLI::Range(1, 100000))
    ->capture_default_str();
  app.add_option("--token-ttl-days", cfg.token_ttl_days,
                 "a login token unused this many days stops working (fractions allowed; "
                 "every use renews it)")
    ->check(CLI::Range(1.0 / 86400, 3650.0))
    ->capture_default_str();
  app.add_option("--login-failures-per-user", cfg.login_failures_per_user,
                 "failed logins a username may have per 15 minutes before 429 (0: unlimited)")
    ->envname("PARLEY_LOGIN_FAILURES_PER_USER")
    ->capture_default_str();
  app.add_option("--login-attempts-per-ip", cfg.login_attempts_per_ip,
                 "login attempts per source address per minute (0: unlimited)")
    ->envname("PARLEY_LOGIN_ATTEMPTS_PER_IP")
    ->capture_default_str();
  app.add_option("--signups-per-ip", cfg.signups_per_ip,
                 "accounts a source address may create per hour (0: unlimited)")
    ->envname("PARLEY_SIGNUPS_PER_IP")
    ->capture_default_str();
  app.add_option("--lookups-per-ip", cfg.lookups_per_ip,
                 "username lookups per source address per minute (0: unlimited)")
    ->envname("PARLEY_LOOKUPS_PER_IP")
    ->capture_default_str();
  app.add_option("--key-claims-per-minute", cfg.key_claims_per_minute,
                 "device bundles (GET /v1/keys/USER) one user may claim per minute, at least"
                 " 1000 (0: unlimited)")
    ->envname("PARLEY_KEY_CLAIMS_PER_MINUTE")
    ->check([](const std::string& text) -> std::string {
      auto n = std::strtoul(text.c_str(), nullptr, 10);
      return n == 0 || n >= 1000 ? "" : "must be 0 or at least 1000";
    })
    ->capture_default_str();
  app.add_option("--max-devices-per-user", cfg.max_devices_per_user,
                 "devices a user may have signed in at once")
    ->check(CLI::Range(1u, 1000u))
    ->capture_default_str();
}

// What one connection, account or address may send or hold.
void add_traffic_flags(CLI::App& app, parleyd_config& cfg) {
  app.add_option("--user-send-rate", cfg.user_send_rate,
                 "messages a user may send per second across all devices (0: unlimited)")
    ->envname("PARLEY_USER_SEND_RATE")
    ->check(CLI::Range(0.0, 1e7))
    ->capture_default_str();
  app.add_option("--user-send-burst", cfg.user_send_burst,
                 "messages a user may send at once before --user-send-rate applies")
    ->envname("PARLEY_USER_SEND_BURST")
    ->check(CLI::Range(1.0, 1e8))
    ->capture_default_str();
  app.add_option("--rate", cfg.rate_per_second, "frames per second per connection")
    ->check(CLI::Range(1.0, 1e7))
    ->capture_default_str();
  app.add_option("--rate-burst", cfg.rate_burst, "burst of frames per connection")
    ->check(CLI::Range(1.0, 1e8))
    ->capture_default_str();
  app.add_option("--idle-timeout", cfg.idle_timeout_seconds,
                 "seconds of silence after which a websocket is closed (clients ping every 25 s)")
    ->check(CLI::Range(1u, 86400u))
    ->capture_default_str();
  app.add_option("--last-seen-flush-ms", cfg.last_seen_flush_ms,
                 "how often last seen is written back to PostgreSQL, per user")
    ->check(CLI::Range(100u, 600000u))
    ->capture_default_str();
  app.add_option("--max-group-size", cfg.max_group_size,
                 "most members a group may have, its creator included")
    ->check(CLI::Range(2u, 100000u))
    ->capture_default_str();
  app.add_option("--max-groups-per-day", cfg.max_groups_per_day,
                 "groups one user may create in 24 hours (0: unlimited)")
    ->capture_default_str();
  app.add_option("--max-connections-per-ip", cfg.max_connections_per_ip,
                 "open connections one address may hold (0: unlimited)")
    ->envname("PARLEY_MAX_CONNECTIONS_PER_IP")
    ->capture_default_str();
  app.add_option("--trusted-proxy", cfg.trusted_proxies,
                 "address of a reverse proxy whose X-Forwarded-For names the client; "
                 "repeatable")
    ->envname("PARLEY_TRUSTED_PROXIES")
    ->delimiter(',');
}

// Uploads and envelopes: where they are kept, how long, how much.
void add_media_flags(CLI::App& app, parleyd_config& cfg) {
  app.add_option("--media-dir", cfg.media_dir, "where uploaded media are kept")
    ->envname("PARLEY_MEDIA_DIR")
    ->capture_default_str();
  app.add_option("--max-upload-mib", cfg.max_upload_mib, "largest upload, in MiB")
    ->check(CLI::Range(1u, 16u * 1024))
    ->capture_default_str();
  app.add_option("--media-quota-mib", cfg.media_quota_mib,
                 "bytes of uploads each user may keep, in MiB")
    ->check(CLI::Range(1u, 16u * 1024 * 1024))
    ->capture_default_str();
  app.add_option("--max-concurrent-uploads", cfg.max_concurrent_uploads,
                 "uploads one user may have in flight on this node (more: 429 too_many_uploads)")
    ->check(CLI::Range(1u, 1000u))
    ->capture_default_str();
  app.add_option("--media-gc-age", cfg.media_gc_age_seconds,
                 "seconds after which an upload no message references is deleted")
    ->check(CLI::Range(1u, 3650u * 86400))
    ->capture_default_str();
  app.add_option("--media-gc-interval", cfg.media_gc_interval_seconds,
                 "seconds between two runs of the media collector")
    ->check(CLI::Range(1u, 86400u))
    ->capture_default_str();
  app.add_option("--envelope-retention-days", cfg.envelope_retention_days,
                 "days after which an envelope its device acknowledged is deleted (0: at the"
                 " next sweep)")
    ->check(CLI::Range(0u, 36500u))
    ->capture_default_str();
  app.add_option("--envelope-sweep-interval", cfg.envelope_sweep_interval_seconds,
                 "seconds between two sweeps of acknowledged, expired envelopes")
    ->check(CLI::Range(1u, 86400u))
    ->capture_default_str();
}

// The push gateway for users with no live device.
void add_push_flags(CLI::App& app, parleyd_config& cfg, flag_texts& raw) {
  app.add_option("--push-webhook", cfg.push_webhook,
                 "push gateway URL (http(s)://HOST[:PORT][/PATH]) for users with no live device")
    ->envname("PARLEY_PUSH_WEBHOOK");
  app.add_option("--push-secret-file", raw.push_secret_file,
                 "file holding the secret that signs push POSTs (X-Parley-Signature)")
    ->envname("PARLEY_PUSH_SECRET_FILE");
  app.add_option("--push-window-ms", cfg.push_window_ms,
                 "at most one push per user and conversation in this window")
    ->check(CLI::Range(100u, 3600u * 1000))
    ->capture_default_str();
  app.add_option("--push-timeout-ms", cfg.push_timeout_ms,
                 "how long one POST to the push gateway may take")
    ->check(CLI::Range(100u, 60u * 1000))
    ->capture_default_str();
}

// Calls and TURN (../shared/CALLS.md, "Flags and metrics").
void add_calls_flags(CLI::App& app, parleyd_config& cfg, flag_texts& raw) {
  app.add_option("--call-ring-timeout-ms", cfg.call_ring_timeout_ms,
                 "how long a call rings unanswered")
    ->check(CLI::Range(1000u, 600000u))
    ->capture_default_str();
  app.add_option("--call-reconnect-grace-ms", cfg.call_reconnect_grace_ms,
                 "how long an answered call waits for a disconnected party's call.resume")
    ->check(CLI::Range(0u, 600000u))
    ->capture_default_str();
  app.add_option("--turn-secret-file", raw.turn_secret_file,
                 "file whose first line is coturn's static-auth-secret (GET /v1/turn)");
  app.add_option("--turn-url", cfg.turn_urls,
                 "a turn:, turns: or stun: URL handed to clients; repeatable, kept in order");
  app.add_option("--turn-ttl", cfg.turn_ttl_seconds,
                 "lifetime of TURN credentials, in seconds")
    ->check(CLI::Range(60u, 604800u))
    ->capture_default_str();
}

// The cluster: off (a node alone) unless --cluster-listen is given.
void add_cluster_flags(CLI::App& app, parleyd_config& cfg, flag_texts& raw) {
  app.add_option("--cluster-listen", raw.cluster_listen,
                 "HOST:PORT where this node meets the other nodes (off: a node alone)")
    ->envname("PARLEY_CLUSTER_LISTEN");
  app.add_option("--seeds", raw.seeds,
                 "HOST:PORT,... of nodes to join through (any live member will do)")
    ->envname("PARLEY_SEEDS");
  app.add_option("--failure-timeout-ms", cfg.failure_timeout_ms,
                 "a peer silent this long is declared dead")
    ->check(CLI::Range(300u, 600000u))
    ->capture_default_str();
  app.add_option("--cluster-tls-cert", cfg.cluster_tls_cert,
                 "PEM certificate (chain allowed) this node shows its peers")
    ->envname("PARLEY_CLUSTER_TLS_CERT");
  app.add_option("--cluster-tls-key", cfg.cluster_tls_key, "PEM private key of that certificate")
    ->envname("PARLEY_CLUSTER_TLS_KEY");
  app.add_option("--cluster-ca", cfg.cluster_ca,
                 "PEM CA certificate(s) that every peer's certificate must be signed by")
    ->envname("PARLEY_CLUSTER_CA");
  app.add_flag("--cluster-insecure", cfg.cluster_insecure,
               "allow clear-text cluster traffic on a non-loopback --cluster-listen "
               "(tests in network namespaces only)");
}

// TLS on the main port, the admin endpoint, browser origins, /metrics.
void add_edge_flags(CLI::App& app, parleyd_config& cfg, flag_texts& raw) {
  app.add_option("--tls-cert", cfg.tls_cert,
                 "PEM certificate (chain allowed): the port then speaks only HTTPS and WSS; "
                 "SIGHUP reloads it")
    ->envname("PARLEY_TLS_CERT");
  app.add_option("--tls-key", cfg.tls_key, "PEM private key of --tls-cert")
    ->envname("PARLEY_TLS_KEY");
  app.add_option("--admin-token", cfg.admin_token,
                 "bearer token for GET /v1/cluster (unset: that endpoint is off)")
    ->envname("PARLEY_ADMIN_TOKEN");
  app.add_option("--admin-token-file", raw.admin_token_file,
                 "file holding the admin token (instead of --admin-token)")
    ->envname("PARLEY_ADMIN_TOKEN_FILE");
  app.add_option("--allowed-origin", cfg.allowed_origins,
                 "a browser origin (https://HOST[:PORT]) that may use this node besides its "
                 "own; repeatable")
    ->envname("PARLEY_ALLOWED_ORIGINS")
    ->delimiter(',');
  app.add_option("--metrics-listen", raw.metrics_listen,
                 "HOST:PORT for GET /metrics alone (then the main port does not serve it)")
    ->envname("PARLEY_METRICS_LISTEN");
}

} // namespace

void add_parleyd_flags(CLI::App& app, parleyd_config& cfg, flag_texts& raw) {
  add_node_flags(app, cfg, raw);
  add_accounts_flags(app, cfg);
  add_traffic_flags(app, cfg);
  add_media_flags(app, cfg);
  add_push_flags(app, cfg, raw);
  add_calls_flags(app, cfg, raw);
  add_cluster_flags(app, cfg, raw);
  add_edge_flags(app, cfg, raw);
}

} // namespace parley
