#include <catch2/catch.hpp>

#include <cstdlib>

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
