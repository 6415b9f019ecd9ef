#include "app/node.hpp"
#include "net/tls_files.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <csignal>
#include <filesystem>
#include <thread>

#include "actors/directory.hpp"
#include "actors/hasher.hpp"
#include "actors/envelope_sweeper.hpp"
#include "actors/media_collector.hpp"
#include "actors/membership.hpp"
#include "actors/notifier.hpp"
#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "actors/type_registry.hpp"
#include "actors/session.hpp"
#include "actors/store.hpp"
#include "actors/throttle.hpp"
#include "actors/upload_ledger.hpp"
#include "net/listener.hpp"
#include "net/metrics_endpoint.hpp"
#include "net/rest_api.hpp"
#include "net/webhook.hpp"
#include "storage/accounts_repo.hpp"
#include "storage/db.hpp"
#include "storage/migrate.hpp"

namespace parley {

namespace {

using namespace std::chrono;

// Applies migrations and reads the highest id in use, waiting up to
// `wait` for PostgreSQL to accept connections.
std::optional<id64> prepare_database(const parleyd_config& cfg) {
  auto deadline = steady_clock::now() + seconds(cfg.db_wait_seconds);
  for (;;) {
    try {
      storage::database db{cfg.db_url};
      auto applied = storage::migrate(db.conn());
      spdlog::info("database ready ({} migration(s) applied)", applied);
      if (!cfg.grant_to.empty()) {
        storage::grant_app_role(db.conn(), cfg.grant_to);
        spdlog::info("role {} may read and write Parley's tables", cfg.grant_to);
      }
      pqxx::read_transaction tx{db.conn()};
      return storage::max_id(tx);
    } catch (const storage::schema_behind& e) {
      spdlog::error("{}", e.what());
      return std::nullopt;
    } catch (const pqxx::broken_connection& e) {
      if (steady_clock::now() >= deadline) {
        spdlog::error("cannot reach PostgreSQL: {}", e.what());
        return std::nullopt;
      }
      spdlog::warn("waiting for PostgreSQL: {}", e.what());
      std::this_thread::sleep_for(seconds(1));
    } catch (const std::exception& e) {
      spdlog::error("database set-up failed: {}", e.what());
      return std::nullopt;
    }
  }
}

context_ptr make_context(const parleyd_config& cfg, id64 max_id) {
  auto ctx = std::make_shared<node_context>();
  ctx->node_id = cfg.node_id;
  ctx->db_url = cfg.db_url;
  ctx->argon2.memory_kib = cfg.argon2_memory_kib;
  ctx->argon2.time_cost = cfg.argon2_time_cost;
  ctx->ids = std::make_shared<id_generator>(cfg.node_id);
  ctx->ids->raise_floor(max_id);
  ctx->message_stores = static_cast<std::size_t>(cfg.write_stores);
  ctx->fault_injection = cfg.fault_injection;
  ctx->admin_token = cfg.admin_token;
  ctx->rate_per_second = cfg.rate_per_second;
  ctx->rate_burst = cfg.rate_burst;
  ctx->user_send_rate = cfg.user_send_rate;
  ctx->user_send_burst = cfg.user_send_burst;
  ctx->media_dir = cfg.media_dir;
  ctx->media_quota_bytes = std::int64_t{cfg.media_quota_mib} * 1024 * 1024;
  ctx->idle_timeout = seconds(cfg.idle_timeout_seconds);
  ctx->token_ttl = milliseconds(static_cast<std::int64_t>(cfg.token_ttl_days * 86400e3));
  ctx->max_devices = cfg.max_devices_per_user;
  ctx->max_groups_per_day = cfg.max_groups_per_day;
  ctx->metrics_elsewhere = !cfg.metrics_host.empty();
  ctx->last_seen_flush = milliseconds(cfg.last_seen_flush_ms);
  ctx->max_group_size = cfg.max_group_size;
  ctx->push_webhook = cfg.push_webhook;
  ctx->call_ring_timeout = milliseconds(cfg.call_ring_timeout_ms);
  ctx->call_reconnect_grace = milliseconds(cfg.call_reconnect_grace_ms);
  ctx->turn = {cfg.turn_secret, cfg.turn_urls, cfg.turn_ttl_seconds};
  ctx->push_window = milliseconds(cfg.push_window_ms);
  ctx->push_delay = std::min(ctx->push_delay, ctx->push_window);
  ctx->push_timeout = milliseconds(cfg.push_timeout_ms);
  ctx->media_gc_age = seconds(cfg.media_gc_age_seconds);
  ctx->media_gc_interval = seconds(cfg.media_gc_interval_seconds);
  ctx->envelope_retention = seconds(std::int64_t{cfg.envelope_retention_days} * 86400);
  ctx->envelope_sweep_interval = seconds(cfg.envelope_sweep_interval_seconds);
  return ctx;
}

// The sessions have ended, so every last seen is final: write them back
// before exiting, so that after a clean restart they are exact.
void flush_last_seen(caf::actor_system& system, const caf::actor& directory) {
  caf::scoped_actor self{system};
  self->request(directory, seconds(5), drain_atom::value)
    .receive([](bool) { spdlog::info("last seen flushed"); },
             [](caf::error& err) {
               spdlog::warn("could not flush last seen: {}", caf::to_string(err));
             });
}

bool cluster_tls(const parleyd_config& cfg) {
  return !cfg.cluster_tls_cert.empty();
}

// Mutual TLS through CAF's OpenSSL module. Certificate, key and CA are all
// set, so it never falls back to anonymous TLS: a peer must show a
// certificate the CA signed, and so must this node.
void configure_cluster_tls(caf::actor_system_config& caf_cfg, const parleyd_config& cfg) {
  caf_cfg.load<caf::openssl::manager>();
  caf_cfg.openssl_certificate = cfg.cluster_tls_cert;
  caf_cfg.openssl_key = cfg.cluster_tls_key;
  caf_cfg.openssl_cafile = cfg.cluster_ca;
}

membership_config cluster_settings(const parleyd_config& cfg) {
  membership_config mc;
  mc.node_id = cfg.node_id;
  mc.host = cfg.cluster_host;
  mc.port = cfg.cluster_port;
  mc.seeds = cfg.seeds;
  mc.failure_timeout = milliseconds(cfg.failure_timeout_ms);
  mc.tls = cluster_tls(cfg);
  return mc;
}

// Publishes the membership actor on --cluster-listen and joins through the
// seeds. False if this node must not run: the port is taken, or a live
// node already has this node id.
bool join_cluster(caf::actor_system& system, const parleyd_config& cfg,
                  const caf::actor& membership) {
  if (cfg.cluster_host.empty())
    return true;
  auto port = cluster_tls(cfg)
                ? caf::openssl::publish(membership, cfg.cluster_port, cfg.cluster_host.c_str(),
                                        true)
                : system.middleman().publish(membership, cfg.cluster_port,
                                             cfg.cluster_host.c_str(), true);
  if (!port) {
    spdlog::error("cannot listen for the cluster on {}:{}: {}", cfg.cluster_host,
                  cfg.cluster_port, system.render(port.error()));
    return false;
  }
  spdlog::info("cluster: node {} listening on {}:{} ({})", cfg.node_id, cfg.cluster_host,
               *port, cluster_tls(cfg) ? "mutual TLS" : "clear text");
  if (cfg.seeds.empty())
    return true;
  caf::scoped_actor self{system};
  bool ok = true;
  self->request(membership, milliseconds(cfg.failure_timeout_ms) * 2, join_atom::value)
    .receive([](bool) {},
             [&](caf::error& err) {
               if (err == make_error(errc::duplicate_node)) {
                 spdlog::error("node id {} is already used by a live node of this cluster: "
                               "every node needs its own --node-id",
                               cfg.node_id);
                 ok = false;
               } else {
                 spdlog::warn("cluster: no seed answered yet ({}); running alone and "
                              "retrying", system.render(err));
               }
             });
  return ok;
}

// GET /metrics on --metrics-listen, or nothing when the flag is not given
// (or the port cannot be had: then the node does not start).
std::unique_ptr<net::listener> start_metrics_listener(const parleyd_config& cfg) {
  if (cfg.metrics_host.empty())
    return nullptr;
  net::listener_config mc;
  mc.host = cfg.metrics_host;
  mc.port = cfg.metrics_port;
  mc.websockets = false;
  auto server = std::make_unique<net::listener>(mc, net::metrics_only_api(),
                                                [](std::shared_ptr<wire::ws_link>) {
                                                  return wire::ws_handlers{};
                                                });
  try {
    server->start();
  } catch (const std::exception& e) {
    spdlog::error("cannot listen for metrics on {}:{}: {}", cfg.metrics_host,
                  cfg.metrics_port, e.what());
    return nullptr;
  }
  spdlog::info("metrics on http://{}:{}/metrics", cfg.metrics_host, server->port());
  return server;
}

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

// Waits for SIGTERM or SIGINT; each SIGHUP on the way reloads the TLS pair.
int wait_for_stop_signal(net::listener& server) {
  auto set = handled_signals();
  for (;;) {
    int sig = 0;
    sigwait(&set, &sig);
    if (sig != SIGHUP)
      return sig;
    if (!server.tls()) {
      spdlog::info("SIGHUP: no --tls-cert to reload");
      continue;
    }
    if (auto problem = server.reload_tls(); !problem.empty())
      spdlog::error("SIGHUP: TLS reload failed, the old certificate stays: {}", problem);
    else
      spdlog::info("SIGHUP: TLS certificate reloaded; new connections use it");
  }
}

} // namespace

int run_node(const parleyd_config& cfg) {
  if (cfg.migrate_only)
    return prepare_database(cfg) ? 0 : 1;
  // Block the signals in every thread; the main thread waits for them.
  auto set = handled_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  if (cluster_tls(cfg)) {
    auto problem =
      net::tls_files_problem(cfg.cluster_tls_cert, cfg.cluster_tls_key, cfg.cluster_ca);
    if (!problem.empty()) {
      spdlog::error("cluster TLS: {}", problem);
      return 1;
    }
  }
  if (!cfg.tls_cert.empty()) {
    if (auto problem = net::tls_files_problem(cfg.tls_cert, cfg.tls_key); !problem.empty()) {
      spdlog::error("TLS: {}", problem);
      return 1;
    }
  }
  if (cfg.fault_injection)
    spdlog::warn("fault injection is ON (--enable-fault-injection): anyone who can reach "
                 "this node may kill its actors; never use it in production");
  auto upload_dir = cfg.media_dir + "/tmp";
  std::error_code dir_error;
  // Only parleyd's user may list or read what users uploaded (the files
  // themselves are 0600).
  for (auto& dir : {upload_dir, cfg.media_dir + "/blobs"}) {
    if (!dir_error)
      std::filesystem::create_directories(dir, dir_error);
  }
  for (auto& dir : {cfg.media_dir, upload_dir, cfg.media_dir + "/blobs"}) {
    if (!dir_error)
      std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::replace, dir_error);
  }
  if (dir_error) {
    spdlog::error("cannot create media directory {}: {}", upload_dir,
                  dir_error.message());
    return 1;
  }
  auto max_id = prepare_database(cfg);
  if (!max_id)
    return 1;
  auto ctx = make_context(cfg, *max_id);

  caf::actor_system_config caf_cfg;
  register_types(caf_cfg);
  caf_cfg.set("scheduler.max-threads", static_cast<std::size_t>(cfg.workers));
  caf_cfg.set("logger.verbosity", caf::atom("quiet"));
  register_cluster_types(caf_cfg);
  caf_cfg.load<caf::io::middleman>();
  if (cluster_tls(cfg))
    configure_cluster_tls(caf_cfg, cfg);
  // A peer that stops talking (frozen, partitioned) is dropped after the
  // failure timeout; heartbeats keep a quiet but live link from timing out.
  caf_cfg.set("middleman.heartbeat-interval",
              caf::timespan{milliseconds(cfg.failure_timeout_ms) / 3});
  caf_cfg.set("middleman.connection-timeout",
              caf::timespan{milliseconds(cfg.failure_timeout_ms)});
  caf::actor_system system{caf_cfg};

  auto queries = spawn_query_pool(system, ctx, ctx->query_stores);
  caf::actor notifier;
  if (!ctx->push_webhook.empty()) {
    notifier = spawn_notifier(system, ctx, queries,
                              [secret = cfg.push_secret](const wire::http_url& url,
                                                         const std::string& body,
                                                         milliseconds deadline) {
                                return net::post_json(url, body, deadline, secret);
                              });
    spdlog::info("push notifications go to {}", ctx->push_webhook);
  }
  auto collector = spawn_media_collector(system, ctx, queries);
  auto sweeper = spawn_envelope_sweeper(system, ctx, queries);
  auto directory = spawn_directory(system, ctx, queries, notifier, spawn_store);
  auto membership = spawn_membership(system, cluster_settings(cfg), directory);
  auto throttle = spawn_throttle(system, {cfg.login_failures_per_user, cfg.login_attempts_per_ip,
                                          cfg.signups_per_ip, cfg.lookups_per_ip,
                                          cfg.key_claims_per_minute});
  // Everything the node spawned, in the order it is stopped.
  upload_limits ul;
  ul.quota_bytes = ctx->media_quota_bytes;
  ul.max_upload_bytes = std::int64_t{cfg.max_upload_mib} * 1024 * 1024;
  ul.max_concurrent = cfg.max_concurrent_uploads;
  auto uploads = spawn_upload_ledger(system, ul, queries);
  auto hasher = spawn_hasher(system, ctx->argon2, static_cast<std::size_t>(cfg.hash_workers),
                             static_cast<std::size_t>(cfg.hash_queue));
  auto stop_actors = [&] {
    for (auto& a : {membership, directory, notifier, collector, sweeper, queries, throttle, uploads,
                    hasher})
      if (a)
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  };

  if (!join_cluster(system, cfg, membership)) {
    stop_actors();
    return 1;
  }

  net::listener_config lc;
  lc.host = cfg.listen_host;
  lc.port = cfg.listen_port;
  lc.io_threads = cfg.io_threads;
  lc.upload_dir = upload_dir;
  lc.max_upload_bytes = std::uint64_t{cfg.max_upload_mib} * 1024 * 1024;
  lc.origins.allowed = cfg.allowed_origins;
  lc.origins.tls = !cfg.tls_cert.empty(); // the node's own origin is then https://HOST
  lc.trusted_proxies = cfg.trusted_proxies;
  lc.max_connections_per_ip = cfg.max_connections_per_ip;
  lc.tls_cert = cfg.tls_cert;
  lc.tls_key = cfg.tls_key;
  net::listener server{
    lc, net::make_rest_api(system, ctx, {directory, queries, membership, throttle, uploads, hasher}),
    [&system, ctx, directory, queries](std::shared_ptr<wire::ws_link> link) {
      return start_session(system, ctx, directory, queries, std::move(link));
    }};
  try {
    server.start();
  } catch (const std::exception& e) {
    spdlog::error("cannot listen on {}:{}: {}", cfg.listen_host, cfg.listen_port,
                  e.what());
    stop_actors();
    return 1;
  }
  auto metrics_server = start_metrics_listener(cfg);
  if (!cfg.metrics_host.empty() && !metrics_server) {
    server.stop();
    stop_actors();
    return 1;
  }
  spdlog::info("parleyd node {} ready on {}://{}:{} (websocket /v1/ws)", cfg.node_id,
               server.tls() ? "https" : "http", cfg.listen_host, server.port());

  auto sig = wait_for_stop_signal(server);
  spdlog::info("signal {}: draining", sig);
  // Stop taking work, give in-flight sends a moment to commit and be acked,
  // then close the websockets (clients reconnect elsewhere and sync).
  server.stop_accepting();
  std::this_thread::sleep_for(milliseconds(300));
  server.close_websockets(wire::close_code::going_away, "node shutting down");
  std::this_thread::sleep_for(milliseconds(200));
  flush_last_seen(system, directory);
  server.stop();
  if (metrics_server)
    metrics_server->stop();
  stop_actors();
  spdlog::info("parleyd node {} stopped", cfg.node_id);
  return 0;
}

} // namespace parley
