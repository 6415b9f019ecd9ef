#include <catch2/catch.hpp>

#include "wire/url.hpp"

using parley::wire::parse_http_url;

TEST_CASE("http URLs parse into host, port and target") {
  auto u = parse_http_url("http://127.0.0.1:9000/push/v1?x=1");
  REQUIRE(u);
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == "9000");
  CHECK(u->target == "/push/v1?x=1");
  auto d = parse_http_url("http://gateway.local");
  REQUIRE(d);
  CHECK(d->port == "80");
  CHECK(d->target == "/");
}

TEST_CASE("https URLs default to port 443") {
  auto u = parse_http_url("https://push.example.org/v1");
  REQUIRE(u);
  CHECK(u->tls);
  CHECK(u->port == "443");
  CHECK(u->target == "/v1");
  CHECK_FALSE(parse_http_url("http://x/")->tls);
}

TEST_CASE("anything but an http or https URL is refused") {
  for (auto bad : {"", "https://", "https://u:p@x/", "ftp://x", "http://", "http://:80/", "http://x:/",
                   "http://x:0/", "http://x:65536/", "http://x:8a/", "http://a b/",
                   "http://user:pw@x/", "127.0.0.1:80"})
    CHECK_FALSE(parse_http_url(bad));
}
