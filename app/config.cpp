#include "app/config.hpp"

#include <CLI/CLI.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <iterator>
#include <optional>
#include <cstdlib>

#include "wire/turn.hpp"
#include "wire/url.hpp"

namespace parley {

bool parse_host_port(const std::string& text, std::string& host, unsigned short& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return false;
  unsigned value = 0;
  auto* first = text.data() + colon + 1;
  auto* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc{} || end != last || value > 65535)
    return false;
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  port = static_cast<unsigned short>(value);
  return true;
}

std::string parse_seeds(const std::string& text,
                        std::vector<std::pair<std::string, unsigned short>>& out) {
  std::size_t start = 0;
  while (start < text.size()) {
    auto comma = text.find(',', start);
    auto item = text.substr(start, comma == std::string::npos ? std::string::npos
                                                              : comma - start);
    std::string host;
    unsigned short port = 0;
    if (!parse_host_port(item, host, port) || port == 0)
      return item.empty() ? std::string{"(empty)"} : item;
    out.emplace_back(host, port);
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return {};
}

namespace {

// An origin as browsers send it: scheme and authority, nothing more.
bool is_origin(const std::string& text) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (text.compare(0, scheme.size(), scheme) != 0)
      continue;
    auto authority = std::string_view{text}.substr(scheme.size());
    return !authority.empty() && authority.find_first_of("/?#@ ") == std::string_view::npos;
  }
  return false;
}

// Why the cluster flags cannot run as given, or "".
std::string cluster_tls_problem(const parleyd_config& cfg) {
  int given = !cfg.cluster_tls_cert.empty() + !cfg.cluster_tls_key.empty()
              + !cfg.cluster_ca.empty();
  if (given != 0 && given != 3)
    return "--cluster-tls-cert, --cluster-tls-key and --cluster-ca go together: give all three";
  if (given == 3 && cfg.cluster_insecure)
    return "--cluster-insecure contradicts the --cluster-tls-* flags: drop one";
  if (given == 0 && !cfg.cluster_host.empty() && !is_loopback_host(cfg.cluster_host)
      && !cfg.cluster_insecure)
    return "--cluster-listen " + cfg.cluster_host
           + " is not loopback: give --cluster-tls-cert, --cluster-tls-key and --cluster-ca "
             "(or --cluster-insecure for tests)";
  return {};
}

// The file's content without trailing line breaks and spaces; nullopt if
// it cannot be read or holds nothing.
std::optional<std::string> read_secret_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return std::nullopt;
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.pop_back();
  if (text.empty() || !in.good() && !in.eof())
    return std::nullopt;
  return text;
}

// coturn's shared secret: the file's first line, whitespace around it
// trimmed.
std::optional<std::string> read_first_line(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::string line;
  if (!in || !std::getline(in, line))
    return std::nullopt;
  auto blank = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!line.empty() && blank(line.back()))
    line.pop_back();
  auto first = std::find_if_not(line.begin(), line.end(), blank);
  line.erase(line.begin(), first);
  if (line.empty())
    return std::nullopt;
  return line;
}

} // namespace

bool is_loopback_host(const std::string& host) {
  unsigned char v4[4];
  if (inet_pton(AF_INET, host.c_str(), v4) == 1)
    return v4[0] == 127;
  return host == "localhost" || host == "::1";
}

std::variant<parleyd_config, config_exit>
parse_parleyd_config(const std::vector<std::string>& args) {
  parleyd_config cfg;
  CLI::App app{"parleyd: a Parley chat node"};
  app.set_version_flag("--version", "parleyd " PARLEY_VERSION);
  std::string listen = "127.0.0.1:8080";
  app.add_option("--listen", listen, "HTTP and websocket address, HOST:PORT")
    ->envname("PARLEY_LISTEN")
    ->capture_default_str();
  app.add_option("--db", cfg.db_url, "PostgreSQL URL (default: $DATABASE_URL)")
    ->envname("DATABASE_URL");
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
  app.add_option("--argon2-memory-kib", cfg.argon2_memory_kib,
                 "Argon2id memory cost per password hash")
    ->check(CLI::Range(1024u, 4u * 1024 * 1024))
    ->capture_default_str();
  app.add_option("--argon2-time-cost", cfg.argon2_time_cost, "Argon2id passes")
    ->check(CLI::Range(1u, 100u))
    ->capture_default_str();
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
  app.add_option("--push-webhook", cfg.push_webhook,
                 "push gateway URL (http(s)://HOST[:PORT][/PATH]) for users with no live device")
    ->envname("PARLEY_PUSH_WEBHOOK");
  app.add_option("--push-window-ms", cfg.push_window_ms,
                 "at most one push per user and conversation in this window")
    ->check(CLI::Range(100u, 3600u * 1000))
    ->capture_default_str();
  app.add_option("--push-timeout-ms", cfg.push_timeout_ms,
                 "how long one POST to the push gateway may take")
    ->check(CLI::Range(100u, 60u * 1000))
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
  std::string cluster_listen;
  app.add_option("--cluster-listen", cluster_listen,
                 "HOST:PORT where this node meets the other nodes (off: a node alone)")
    ->envname("PARLEY_CLUSTER_LISTEN");
  std::string seeds;
  app.add_option("--seeds", seeds,
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
  app.add_option("--tls-cert", cfg.tls_cert,
                 "PEM certificate (chain allowed): the port then speaks only HTTPS and WSS; "
                 "SIGHUP reloads it")
    ->envname("PARLEY_TLS_CERT");
  app.add_option("--tls-key", cfg.tls_key, "PEM private key of --tls-cert")
    ->envname("PARLEY_TLS_KEY");
  app.add_option("--admin-token", cfg.admin_token,
                 "bearer token for GET /v1/cluster (unset: that endpoint is off)")
    ->envname("PARLEY_ADMIN_TOKEN");
  app.add_option("--allowed-origin", cfg.allowed_origins,
                 "a browser origin (https://HOST[:PORT]) that may use this node besides its "
                 "own; repeatable")
    ->envname("PARLEY_ALLOWED_ORIGINS")
    ->delimiter(',');
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
  app.add_option("--max-connections-per-ip", cfg.max_connections_per_ip,
                 "open connections one address may hold (0: unlimited)")
    ->envname("PARLEY_MAX_CONNECTIONS_PER_IP")
    ->capture_default_str();
  app.add_option("--max-concurrent-uploads", cfg.max_concurrent_uploads,
                 "uploads one user may have in flight on this node (more: 429 too_many_uploads)")
    ->check(CLI::Range(1u, 1000u))
    ->capture_default_str();
  app.add_option("--token-ttl-days", cfg.token_ttl_days,
                 "a login token unused this many days stops working (fractions allowed; "
                 "every use renews it)")
    ->check(CLI::Range(1.0 / 86400, 3650.0))
    ->capture_default_str();
  std::string metrics_listen;
  app.add_option("--metrics-listen", metrics_listen,
                 "HOST:PORT for GET /metrics alone (then the main port does not serve it)")
    ->envname("PARLEY_METRICS_LISTEN");
  app.add_option("--hash-workers", cfg.hash_workers,
                 "threads that run Argon2 for logins, sign-ups and password changes")
    ->check(CLI::Range(1, 64))
    ->capture_default_str();
  app.add_option("--hash-queue", cfg.hash_queue,
                 "password hashes that may wait for a worker; past it 503 unavailable")
    ->check(CLI::Range(1, 100000))
    ->capture_default_str();
  app.add_option("--max-groups-per-day", cfg.max_groups_per_day,
                 "groups one user may create in 24 hours (0: unlimited)")
    ->capture_default_str();
  app.add_option("--max-devices-per-user", cfg.max_devices_per_user,
                 "devices a user may have signed in at once")
    ->check(CLI::Range(1u, 1000u))
    ->capture_default_str();
  app.add_option("--trusted-proxy", cfg.trusted_proxies,
                 "address of a reverse proxy whose X-Forwarded-For names the client; "
                 "repeatable")
    ->envname("PARLEY_TRUSTED_PROXIES")
    ->delimiter(',');
  app.add_option("--call-ring-timeout-ms", cfg.call_ring_timeout_ms,
                 "how long a call rings unanswered")
    ->check(CLI::Range(1000u, 600000u))
    ->capture_default_str();
  app.add_option("--call-reconnect-grace-ms", cfg.call_reconnect_grace_ms,
                 "how long an answered call waits for a disconnected party's call.resume")
    ->check(CLI::Range(0u, 600000u))
    ->capture_default_str();
  std::string turn_secret_file;
  app.add_option("--turn-secret-file", turn_secret_file,
                 "file whose first line is coturn's static-auth-secret (GET /v1/turn)");
  app.add_option("--turn-url", cfg.turn_urls,
                 "a turn:, turns: or stun: URL handed to clients; repeatable, kept in order");
  app.add_option("--turn-ttl", cfg.turn_ttl_seconds,
                 "lifetime of TURN credentials, in seconds")
    ->check(CLI::Range(60u, 604800u))
    ->capture_default_str();
  // Secrets in files (argv and the environment show in `ps` and /proc).
  std::string db_file, admin_token_file, push_secret_file;
  app.add_option("--db-file", db_file, "file holding the PostgreSQL URL (instead of --db)")
    ->envname("PARLEY_DB_FILE");
  app.add_option("--admin-token-file", admin_token_file,
                 "file holding the admin token (instead of --admin-token)")
    ->envname("PARLEY_ADMIN_TOKEN_FILE");
  app.add_option("--push-secret-file", push_secret_file,
                 "file holding the secret that signs push POSTs (X-Parley-Signature)")
    ->envname("PARLEY_PUSH_SECRET_FILE");
  struct secret_file {
    std::string flag;
    std::string& file;
    std::string* into;
  };
  std::vector<secret_file> secret_files{{"--db-file", db_file, &cfg.db_url},
                                        {"--admin-token-file", admin_token_file,
                                         &cfg.admin_token},
                                        {"--push-secret-file", push_secret_file,
                                         &cfg.push_secret}};
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return config_exit{0, app.help()};
  } catch (const CLI::CallForVersion&) {
    return config_exit{0, "parleyd " PARLEY_VERSION};
  } catch (const CLI::ParseError& e) {
    return config_exit{2, std::string{"parleyd: "} + e.what()};
  }
  if (!parse_host_port(listen, cfg.listen_host, cfg.listen_port))
    return config_exit{2, "parleyd: --listen must be HOST:PORT, got '" + listen + "'"};
  if (!cfg.push_webhook.empty() && !wire::parse_http_url(cfg.push_webhook))
    return config_exit{2, "parleyd: --push-webhook must be an http(s)://HOST[:PORT][/PATH] URL, "
                          "got '" + cfg.push_webhook + "'"};
  for (auto& [flag, file, into] : secret_files) {
    if (file.empty())
      continue;
    auto secret = read_secret_file(file);
    if (!secret)
      return config_exit{2, "parleyd: " + flag + ": cannot read a non-empty secret from '"
                              + file + "'"};
    *into = std::move(*secret);
  }
  if (turn_secret_file.empty() != cfg.turn_urls.empty())
    return config_exit{2, "parleyd: --turn-secret-file and --turn-url go together: give both"};
  if (!turn_secret_file.empty()) {
    auto secret = read_first_line(turn_secret_file);
    if (!secret)
      return config_exit{2, "parleyd: --turn-secret-file: cannot read a non-empty secret from '"
                              + turn_secret_file + "'"};
    cfg.turn_secret = std::move(*secret);
  }
  for (auto& url : cfg.turn_urls)
    if (auto fault = wire::turn_url_fault(url); !fault.empty())
      return config_exit{2, "parleyd: --turn-url: " + fault + ", got '" + url + "'"};
  if (!cluster_listen.empty()
      && !parse_host_port(cluster_listen, cfg.cluster_host, cfg.cluster_port))
    return config_exit{2, "parleyd: --cluster-listen must be HOST:PORT, got '"
                            + cluster_listen + "'"};
  if (!metrics_listen.empty()
      && !parse_host_port(metrics_listen, cfg.metrics_host, cfg.metrics_port))
    return config_exit{2, "parleyd: --metrics-listen must be HOST:PORT, got '" + metrics_listen
                            + "'"};
  if (auto reason = cluster_tls_problem(cfg); !reason.empty())
    return config_exit{2, "parleyd: " + reason};
  if (!cfg.grant_to.empty() && !cfg.migrate_only)
    return config_exit{2, "parleyd: --grant-to goes with --migrate-only"};
  if (cfg.tls_cert.empty() != cfg.tls_key.empty())
    return config_exit{2, "parleyd: --tls-cert and --tls-key go together: give both"};
  if (auto bad = parse_seeds(seeds, cfg.seeds); !bad.empty())
    return config_exit{2, "parleyd: --seeds must be HOST:PORT[,HOST:PORT...], got '" + bad
                            + "'"};
  if (!cfg.seeds.empty() && cluster_listen.empty())
    return config_exit{2, "parleyd: --seeds needs --cluster-listen (the address other "
                          "nodes reach this one at)"};
  for (auto& origin : cfg.allowed_origins)
    if (!is_origin(origin))
      return config_exit{2, "parleyd: --allowed-origin must be http(s)://HOST[:PORT] with no "
                            "path, got '" + origin + "'"};
  if (cfg.db_url.empty())
    return config_exit{2, "parleyd: no database: pass --db URL or set DATABASE_URL"};
  return cfg;
}

} // namespace parley
