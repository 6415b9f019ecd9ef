#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>

#include <unistd.h>

#include "app/config.hpp"

using namespace parley;

namespace {

std::variant<parleyd_config, config_exit> parse(std::vector<std::string> args) {
  return parse_parleyd_config(args);
}

} // namespace

TEST_CASE("flags are parsed") {
  ::unsetenv("DATABASE_URL");
  auto r = parse({"--listen", "127.0.0.2:9000", "--db", "postgresql://u@h:1/d",
                  "--node-id", "7"});
  REQUIRE(std::holds_alternative<parleyd_config>(r));
  auto& c = std::get<parleyd_config>(r);
  CHECK(c.listen_host == "127.0.0.2");
  CHECK(c.listen_port == 9000);
  CHECK(c.db_url == "postgresql://u@h:1/d");
  CHECK(c.node_id == 7);
  CHECK(c.write_stores == 1);
  auto two = parse({"--db", "x", "--write-stores", "2"});
  REQUIRE(std::holds_alternative<parleyd_config>(two));
  CHECK(std::get<parleyd_config>(two).write_stores == 2);
}

TEST_CASE("--db falls back to DATABASE_URL") {
  ::setenv("DATABASE_URL", "postgresql://env@h/d", 1);
  auto r = parse({});
  REQUIRE(std::holds_alternative<parleyd_config>(r));
  CHECK(std::get<parleyd_config>(r).db_url == "postgresql://env@h/d");
  ::unsetenv("DATABASE_URL");
}

TEST_CASE("bad configuration is refused with a reason") {
  ::unsetenv("DATABASE_URL");
  auto no_db = parse({});
  REQUIRE(std::holds_alternative<config_exit>(no_db));
  CHECK(std::get<config_exit>(no_db).code == 2);
  CHECK(std::get<config_exit>(no_db).text.find("DATABASE_URL") != std::string::npos);
  auto bad_listen = parse({"--db", "x", "--listen", "nonsense"});
  REQUIRE(std::holds_alternative<config_exit>(bad_listen));
  CHECK(std::get<config_exit>(bad_listen).text.find("HOST:PORT") != std::string::npos);
  auto bad_port = parse({"--db", "x", "--listen", "127.0.0.1:70000"});
  CHECK(std::holds_alternative<config_exit>(bad_port));
  auto bad_node = parse({"--db", "x", "--node-id", "5000"});
  CHECK(std::holds_alternative<config_exit>(bad_node));
  for (auto stores : {"0", "17", "two"}) {
    auto bad_stores = parse({"--db", "x", "--write-stores", stores});
    REQUIRE(std::holds_alternative<config_exit>(bad_stores));
    CHECK(std::get<config_exit>(bad_stores).code == 2);
    CHECK(std::get<config_exit>(bad_stores).text.find("--write-stores") != std::string::npos);
  }
  auto unknown = parse({"--db", "x", "--frobnicate"});
  CHECK(std::holds_alternative<config_exit>(unknown));
  auto version = parse({"--version"});
  REQUIRE(std::holds_alternative<config_exit>(version));
  CHECK(std::get<config_exit>(version).code == 0);
  CHECK(std::get<config_exit>(version).text.rfind("parleyd ", 0) == 0);
  auto help = parse({"--help"});
  REQUIRE(std::holds_alternative<config_exit>(help));
  CHECK(std::get<config_exit>(help).code == 0);
}

TEST_CASE("host:port parsing") {
  std::string host;
  unsigned short port = 0;
  CHECK(parse_host_port("[::1]:80", host, port));
  CHECK(host == "::1");
  CHECK_FALSE(parse_host_port(":80", host, port));
  CHECK_FALSE(parse_host_port("h:", host, port));
  CHECK_FALSE(parse_host_port("h:8x", host, port));
}

TEST_CASE("cluster flags are parsed and checked") {
  ::unsetenv("DATABASE_URL");
  auto r = parse({"--db", "x", "--node-id", "2", "--cluster-listen", "127.0.0.1:9102",
                  "--seeds", "127.0.0.1:9101,localhost:9103", "--failure-timeout-ms",
                  "1500", "--admin-token", "s3cret"});
  REQUIRE(std::holds_alternative<parleyd_config>(r));
  auto& c = std::get<parleyd_config>(r);
  CHECK(c.cluster_host == "127.0.0.1");
  CHECK(c.cluster_port == 9102);
  REQUIRE(c.seeds.size() == 2);
  CHECK(c.seeds[1].first == "localhost");
  CHECK(c.seeds[1].second == 9103);
  CHECK(c.failure_timeout_ms == 1500);
  CHECK(c.admin_token == "s3cret");

  auto alone = std::get<parleyd_config>(parse({"--db", "x"}));
  CHECK(alone.cluster_host.empty());
  CHECK(alone.failure_timeout_ms == 3000);

  auto bad_seed = parse({"--db", "x", "--cluster-listen", "127.0.0.1:9102", "--seeds",
                         "127.0.0.1:9101,,nope"});
  REQUIRE(std::holds_alternative<config_exit>(bad_seed));
  CHECK(std::get<config_exit>(bad_seed).text.find("--seeds") != std::string::npos);
  auto seeds_alone = parse({"--db", "x", "--seeds", "127.0.0.1:9101"});
  REQUIRE(std::holds_alternative<config_exit>(seeds_alone));
  CHECK(std::get<config_exit>(seeds_alone).text.find("--cluster-listen")
        != std::string::npos);
  auto bad_listen = parse({"--db", "x", "--cluster-listen", "9102"});
  REQUIRE(std::holds_alternative<config_exit>(bad_listen));
  CHECK(std::get<config_exit>(bad_listen).text.find("HOST:PORT") != std::string::npos);
  CHECK(std::holds_alternative<config_exit>(
    parse({"--db", "x", "--failure-timeout-ms", "10"})));
}

TEST_CASE("the cluster runs in clear text only on loopback or when told to") {
  ::unsetenv("DATABASE_URL");
  auto refused = [](std::vector<std::string> args) {
    auto r = parse(args);
    return std::holds_alternative<config_exit>(r) ? std::get<config_exit>(r).text
                                                  : std::string{};
  };
  CHECK(refused({"--db", "x", "--cluster-listen", "127.0.0.2:9102"}).empty());
  CHECK(refused({"--db", "x", "--cluster-listen", "[::1]:9102"}).empty());
  CHECK(refused({"--db", "x", "--cluster-listen", "localhost:9102"}).empty());
  for (auto* host : {"0.0.0.0:9102", "10.0.0.5:9102", "127.evil.example:9102", "[::]:9102"})
    CHECK(refused({"--db", "x", "--cluster-listen", host}).find("is not loopback")
          != std::string::npos);
  CHECK(refused({"--db", "x", "--cluster-listen", "10.0.0.5:9102", "--cluster-insecure"})
          .empty());
  CHECK(refused({"--db", "x", "--cluster-listen", "10.0.0.5:9102", "--cluster-tls-cert", "c",
                 "--cluster-tls-key", "k", "--cluster-ca", "a"})
          .empty());
  CHECK(refused({"--db", "x", "--cluster-listen", "10.0.0.5:9102", "--cluster-tls-cert", "c"})
          .find("go together")
        != std::string::npos);
  CHECK(refused({"--db", "x", "--cluster-listen", "10.0.0.5:9102", "--cluster-insecure",
                 "--cluster-tls-cert", "c", "--cluster-tls-key", "k", "--cluster-ca", "a"})
          .find("contradicts")
        != std::string::npos);
}

TEST_CASE("allowed origins must be bare origins") {
  ::unsetenv("DATABASE_URL");
  auto ok = parse({"--db", "x", "--allowed-origin", "https://a.example",
                   "--allowed-origin", "http://b.example:8080"});
  REQUIRE(std::holds_alternative<parleyd_config>(ok));
  CHECK(std::get<parleyd_config>(ok).allowed_origins.size() == 2);
  for (auto* bad : {"a.example", "https://a.example/", "https://a.example/path", "ftp://a"})
    CHECK(std::holds_alternative<config_exit>(parse({"--db", "x", "--allowed-origin", bad})));
}

TEST_CASE("call and TURN flags: defaults, ranges, and the pair that goes together") {
  const std::string db = "postgresql://u@h:1/d";
  auto defaults = parse({"--db", db});
  REQUIRE(std::holds_alternative<parleyd_config>(defaults));
  auto& d = std::get<parleyd_config>(defaults);
  CHECK(d.call_ring_timeout_ms == 45000);
  CHECK(d.call_reconnect_grace_ms == 10000);
  CHECK(d.turn_ttl_seconds == 86400);
  CHECK(d.turn_secret.empty());

  char path[] = "/tmp/parley-turn-XXXXXX";
  ::close(::mkstemp(path));
  std::string secret = path;
  { std::FILE* f = std::fopen(secret.c_str(), "w"); std::fputs("  north  \nsecond\n", f); std::fclose(f); }
  auto turn = parse({"--db", db, "--turn-secret-file", secret, "--turn-url",
                     "turn:127.0.0.1:3478?transport=udp", "--turn-url",
                     "turn:127.0.0.1:3478?transport=tcp", "--turn-ttl", "600",
                     "--call-ring-timeout-ms", "1000", "--call-reconnect-grace-ms", "0"});
  REQUIRE(std::holds_alternative<parleyd_config>(turn));
  auto& t = std::get<parleyd_config>(turn);
  CHECK(t.turn_secret == "north"); // the first line, trimmed
  CHECK(t.turn_urls == std::vector<std::string>{"turn:127.0.0.1:3478?transport=udp",
                                                "turn:127.0.0.1:3478?transport=tcp"});
  CHECK(t.turn_ttl_seconds == 600);

  auto refused = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db});
    auto r = parse(args);
    REQUIRE(std::holds_alternative<config_exit>(r));
    CHECK(std::get<config_exit>(r).code == 2);
    CHECK(std::get<config_exit>(r).text.find('\n') == std::string::npos);
  };
  refused({"--call-ring-timeout-ms", "999"});
  refused({"--call-ring-timeout-ms", "600001"});
  refused({"--call-reconnect-grace-ms", "600001"});
  refused({"--turn-ttl", "59"});
  refused({"--turn-ttl", "604801"});
  refused({"--turn-secret-file", secret});                        // no --turn-url
  refused({"--turn-url", "turn:127.0.0.1:3478"});                 // no secret
  refused({"--turn-secret-file", "/nonexistent/secret", "--turn-url", "turn:h"});
  refused({"--turn-secret-file", secret, "--turn-url", "http://h"});
  { std::FILE* f = std::fopen(secret.c_str(), "w"); std::fputs("   \n", f); std::fclose(f); }
  refused({"--turn-secret-file", secret, "--turn-url", "turn:h"}); // empty secret
  std::remove(secret.c_str());
}
