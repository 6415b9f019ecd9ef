// parley-bench: the load generator. `parley-bench --help` explains every
// scenario; each lives in its own file under app/bench/ (connect, pairs and
// ramp, group, offline). It sets up its own users through the REST API,
// drives real websocket connections (app/bench/ws_fleet.cpp) and reports
// latency from log-linear histograms and the CPU the server and PostgreSQL
// used.
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/bench/scenarios.hpp"

using namespace parley;
using namespace parley::bench;

int main(int argc, char** argv) {
  CLI::App app{
    "parley-bench: load generator for a Parley node.\n"
    "Sets up its own users through the REST API (saved in --users-file; --reuse\n"
    "takes them again), then drives real websocket connections. Every scenario is\n"
    "bounded in count and time, prints a progress line each second and a final\n"
    "table; --json FILE writes the figures. With --server-pid, the server's CPU and\n"
    "memory are read from /proc; PostgreSQL's CPU is that of every 'postgres'\n"
    "process on the machine."};
  app.require_subcommand(1);
  app.fallthrough();
  common_options o;
  app.add_option("--server", o.server, "parleyd's URL (https:// for TLS)")->capture_default_str();
  app.add_option("--ca-file", o.ca_file, "PEM CA to verify an https:// server with");
  app.add_option("--threads", o.threads, "client threads (many connections each)")
    ->check(CLI::Range(1, 64))
    ->capture_default_str();
  app.add_option("--server-pid", o.server_pid, "parleyd's pid, for CPU and memory");
  app.add_option("--json", o.json_path, "also write the figures to this file");
  app.add_option("--users-file", o.users_file, "where set-up users are kept")
    ->capture_default_str();
  app.add_flag("--reuse", o.reuse, "reuse the users in --users-file if there are enough");
  app.add_option("--body-padding", o.body_padding,
                 "bytes of padding added to each message body (0: bodies of about 40 bytes)")
    ->check(CLI::Range(0, 60000));
  app.add_option("--source-addresses", o.source_addresses,
                 "spread connections over 127.0.0.1..N (past ~28k connections)")
    ->check(CLI::Range(1, 250))
    ->capture_default_str();

  connect_options c;
  auto* connect = app.add_subcommand(
    "connect",
    "open N authenticated websockets (at most --in-flight handshakes at once), hold\n"
    "them, report the connection rate, handshake latency (TCP connect to `ready`),\n"
    "failures and, with --server-pid, the server's resident memory per connection");
  connect->add_option("--connections", c.connections)->check(CLI::Range(1, 200000))
    ->capture_default_str();
  connect->add_option("--hold", c.hold_seconds, "seconds to hold them")
    ->check(CLI::Range(0, 3600))
    ->capture_default_str();
  connect->add_option("--in-flight", c.in_flight)->check(CLI::Range(1, 10000))
    ->capture_default_str();

  pairs_options p;
  auto* pairs = app.add_subcommand(
    "pairs",
    "P sender→receiver pairs of users, sending at an open-loop total --rate for\n"
    "--duration seconds (on schedule even when the server lags, so latency is\n"
    "honest); reports send→ack and send→deliver percentiles, delivered/s, losses\n"
    "(acked but not delivered after --drain seconds), duplicates and CPU per message");
  pairs->add_option("--pairs", p.pairs)->check(CLI::Range(1, 100000))->capture_default_str();
  pairs->add_option("--rate", p.rate, "messages per second, all pairs together")
    ->check(CLI::Range(1.0, 1e7))
    ->capture_default_str();
  pairs->add_option("--duration", p.duration, "seconds of sending")
    ->check(CLI::Range(0.1, 3600.0))
    ->capture_default_str();
  pairs->add_option("--drain", p.drain, "seconds to wait for the last deliveries")
    ->check(CLI::Range(0.0, 600.0))
    ->capture_default_str();
  pairs->add_option("--devices", p.devices,
                    "devices per user: 2 delivers each message to the receiver's two and\n"
                    "the sender's other device (always new users)")
    ->check(CLI::Range(1, 2))
    ->capture_default_str();
  pairs->add_flag("--e2e", p.e2e,
                  "end-to-end encrypted: two devices each, one envelope per required device\n"
                  "(three per message) sealed by the client library before the clock starts;\n"
                  "reports its envelopes/s per core and opens what B1 received afterwards");

  ramp_options r;
  auto* ramp = app.add_subcommand(
    "ramp",
    "the pairs scenario step by step: from --start msg/s, --step more each time, each\n"
    "step --step-duration seconds, until send→deliver p99 reaches --p99-ms or a\n"
    "message is lost or refused; reports every step and the highest rate within\n"
    "the bound (the latency-vs-rate curve of docs/benchmarks.md)");
  ramp->add_option("--pairs", r.step.pairs)->check(CLI::Range(1, 100000))->capture_default_str();
  ramp->add_option("--start", r.step.rate, "first step's rate (msg/s)")
    ->check(CLI::Range(1.0, 1e7))
    ->capture_default_str();
  ramp->add_option("--step", r.step_rate, "added per step (msg/s)")
    ->check(CLI::Range(1.0, 1e7))
    ->capture_default_str();
  ramp->add_option("--max", r.max_rate, "never beyond this rate (msg/s)")
    ->check(CLI::Range(1.0, 1e7))
    ->capture_default_str();
  ramp->add_option("--step-duration", r.step.duration, "seconds of sending per step")
    ->check(CLI::Range(0.1, 600.0))
    ->capture_default_str();
  ramp->add_option("--drain", r.step.drain, "seconds to wait for a step's last deliveries")
    ->check(CLI::Range(0.0, 600.0))
    ->capture_default_str();
  ramp->add_option("--p99-ms", r.p99_bound_ms, "the send→deliver p99 bound")
    ->check(CLI::Range(0.1, 60000.0))
    ->capture_default_str();
  ramp->add_option("--devices", r.step.devices, "devices per user, as for pairs")
    ->check(CLI::Range(1, 2))
    ->capture_default_str();
  ramp->add_flag("--e2e", r.step.e2e, "end-to-end encrypted steps, as for pairs --e2e");

  group_options g;
  auto* group = app.add_subcommand(
    "group",
    "G groups of M members (created over REST, every member connected), messages\n"
    "sent into them at an open-loop total --rate by their members in turn; reports\n"
    "fan-out deliveries per second, send→deliver latency per recipient, losses\n"
    "(acked but missing at a member after --drain), duplicates and CPU per delivery");
  group->add_option("--groups", g.groups)->check(CLI::Range(1, 10000))->capture_default_str();
  group->add_option("--members", g.members, "members per group (with the creator)")
    ->check(CLI::Range(2, 100000))
    ->capture_default_str();
  group->add_option("--rate", g.rate, "messages per second into all groups together")
    ->check(CLI::Range(1.0, 1e6))
    ->capture_default_str();
  group->add_option("--duration", g.duration, "seconds of sending")
    ->check(CLI::Range(0.1, 3600.0))
    ->capture_default_str();
  group->add_option("--drain", g.drain, "seconds to wait for the last deliveries")
    ->check(CLI::Range(0.0, 600.0))
    ->capture_default_str();
  group->add_option("--devices", g.devices,
                    "devices per member: 2 sends each message to 2M - 1 devices (always new\n"
                    "users)")
    ->check(CLI::Range(1, 2))
    ->capture_default_str();
  group->add_flag("--e2e", g.e2e,
                  "end-to-end encrypted with sender keys: two devices each, a sender's first\n"
                  "message carries its key in pairwise envelopes, later ones \"\" for every\n"
                  "device; sealed before the clock starts, opened by one device per group after");

  offline_options off;
  auto* offline = app.add_subcommand(
    "offline",
    "store --messages for --recipients offline devices (one sender each), then\n"
    "connect them all at once and let each catch up as an app does (sync; after\n"
    "every page of 500 a delivered receipt and the next sync); reports messages\n"
    "per second from the first connect to the last device done, per-device\n"
    "catch-up time, losses and duplicates");
  offline->add_option("--messages", off.messages, "messages in all")
    ->check(CLI::Range(1, 10000000))
    ->capture_default_str();
  offline->add_option("--recipients", off.recipients)
    ->check(CLI::Range(1, 100000))
    ->capture_default_str();
  offline->add_option("--window", off.window, "unacknowledged sends per sender while storing")
    ->check(CLI::Range(1, 10000))
    ->capture_default_str();

  calls_options cl;
  auto* calls = app.add_subcommand(
    "calls",
    "P caller→callee pairs placing calls at an open-loop total --rate; each callee\n"
    "answers at once, each caller hangs up when it hears the answer (signalling\n"
    "only, no media); reports call setups per second, offer→incoming and\n"
    "answer→caller latency, the call records the callers received, busy answers\n"
    "and CPU per call. At most 10 offers a minute per caller (parleyd's limit)");
  calls->add_option("--pairs", cl.pairs)->check(CLI::Range(1, 100000))->capture_default_str();
  calls->add_option("--rate", cl.rate, "calls per second, all pairs together")
    ->check(CLI::Range(0.1, 1e5))
    ->capture_default_str();
  calls->add_option("--duration", cl.duration, "seconds of calling")
    ->check(CLI::Range(0.1, 3600.0))
    ->capture_default_str();
  calls->add_option("--drain", cl.drain, "seconds for the last answers and records")
    ->check(CLI::Range(0.0, 600.0))
    ->capture_default_str();

  seal_options sl;
  auto* seal = app.add_subcommand(
    "seal",
    "no server: what the client library's end-to-end encryption costs here. Seals\n"
    "--envelopes over --sessions sessions (envelopes/s per core, thread CPU),\n"
    "opens --open one session's envelopes in order, and seals --stored messages\n"
    "through the CLI's SQLite state (a durable transaction each)");
  seal->add_option("--envelopes", sl.envelopes)->check(CLI::Range(1, 10000000))
    ->capture_default_str();
  seal->add_option("--sessions", sl.sessions)->check(CLI::Range(1, 100000))
    ->capture_default_str();
  seal->add_option("--open", sl.open_envelopes)->check(CLI::Range(1, 10000000))
    ->capture_default_str();
  seal->add_option("--stored", sl.stored_messages)->check(CLI::Range(1, 100000))
    ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (*seal) {
    try {
      write_json(o, run_seal(o, sl));
      return 0;
    } catch (const std::exception& e) {
      std::cerr << "parley-bench: " << e.what() << std::endl;
      return 1;
    }
  }
  auto server = client::parse_server_url(o.server);
  if (!server) {
    std::cerr << "parley-bench: --server must look like http://HOST:PORT or "
                 "https://HOST[:PORT]\n";
    return 2;
  }
  server->ca_file = o.ca_file;
  try {
    json result = *connect ? run_connect(o, *server, c)
                  : *pairs ? run_pairs(o, *server, p)
                  : *ramp  ? run_ramp(o, *server, r)
                  : *group ? run_group(o, *server, g)
                  : *calls ? run_calls(o, *server, cl)
                           : run_offline(o, *server, off);
    write_json(o, result);
    // A run that lost messages, or moved none, fails.
    if (*pairs && (result["lost"] != 0 || result["delivered"] == 0))
      return 1;
    if (*group && (result["lost"] != 0 || result["deliveries"] == 0))
      return 1;
    if (*offline && (result["lost"] != 0 || result["devices_done"] != off.recipients))
      return 1;
    if (*ramp && result["highest_rate"] == 0)
      return 1;
    // Every placed call is answered and recorded (busy ones are recorded too).
    if (*calls && (result["answered"] == 0 || result["errors"] != 0
                   || result["records"] != result["placed"]))
      return 1;
  } catch (const std::exception& e) {
    std::cerr << "parley-bench: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
