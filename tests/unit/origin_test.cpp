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

#include "wire/client_address.hpp"

using parley::wire::client_address;

TEST_CASE("X-Forwarded-For counts only from a trusted proxy, and only its last entry") {
  std::vector<std::string> proxies{"127.0.0.1"};
  CHECK(client_address("10.0.0.9", "1.2.3.4", proxies) == "10.0.0.9");
  CHECK(client_address("127.0.0.1", "", proxies) == "127.0.0.1");
  CHECK(client_address("127.0.0.1", "203.0.113.7", proxies) == "203.0.113.7");
  CHECK(client_address("127.0.0.1", "6.6.6.6, 203.0.113.7", proxies) == "203.0.113.7");
  CHECK(client_address("127.0.0.1", "6.6.6.6,  ", proxies) == "127.0.0.1");
}
