#include <catch2/catch.hpp>

#include "wire/origin.hpp"

using parley::wire::changes_state;
using parley::wire::origin_allowed;
using parley::wire::origin_policy;

TEST_CASE("no Origin, the server's own origin and listed origins are allowed") {
  origin_policy policy{{"https://chat.example.org"}, false};
  CHECK(origin_allowed(policy, "", "127.0.0.1:8080"));
  CHECK(origin_allowed(policy, "http://127.0.0.1:8080", "127.0.0.1:8080"));
  CHECK(origin_allowed(policy, "HTTP://Chat.Example.ORG:80", "chat.example.org:80"));
  CHECK(origin_allowed(policy, "https://chat.example.org", "127.0.0.1:8080"));
}

TEST_CASE("foreign origins, null and the wrong scheme are refused") {
  origin_policy plain{{}, false};
  CHECK_FALSE(origin_allowed(plain, "https://evil.example", "127.0.0.1:8080"));
  CHECK_FALSE(origin_allowed(plain, "null", "127.0.0.1:8080"));
  CHECK_FALSE(origin_allowed(plain, "http://127.0.0.1:8081", "127.0.0.1:8080"));
  CHECK_FALSE(origin_allowed(plain, "http://127.0.0.1:8080.evil.example", "127.0.0.1:8080"));
  CHECK_FALSE(origin_allowed(plain, "http://x", ""));
  origin_policy tls{{}, true};
  CHECK_FALSE(origin_allowed(tls, "http://chat.example.org", "chat.example.org"));
  CHECK(origin_allowed(tls, "https://chat.example.org", "chat.example.org"));
}

TEST_CASE("only reads are not state-changing") {
  CHECK_FALSE(changes_state("GET"));
  CHECK_FALSE(changes_state("HEAD"));
  CHECK(changes_state("POST"));
  CHECK(changes_state("PUT"));
  CHECK(changes_state("DELETE"));
  CHECK(changes_state("PATCH"));
}
