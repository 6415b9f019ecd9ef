#include <catch2/catch.hpp>

#include "wire/credentials.hpp"

using namespace parley::credentials;

TEST_CASE("password hashes are Argon2id, salted and verifiable") {
  argon2_params cheap{1, 1024, 1};
  auto a = hash_password("correct horse", cheap);
  auto b = hash_password("correct horse", cheap);
  CHECK(a.rfind("$argon2id$", 0) == 0);
  CHECK(a != b); // per-hash random salt
  CHECK(verify_password("correct horse", a));
  CHECK_FALSE(verify_password("correct horsf", a));
  CHECK_FALSE(verify_password("correct horse", "garbage"));
}

TEST_CASE("tokens are 256 random bits and stored as their hash") {
  auto t1 = new_token();
  auto t2 = new_token();
  CHECK(t1.size() == 64);
  CHECK(t1 != t2);
  CHECK(looks_like_token(t1));
  CHECK_FALSE(looks_like_token("short"));
  CHECK_FALSE(looks_like_token(std::string(64, 'z')));
  auto d = token_digest(t1);
  CHECK(d.size() == 64);
  CHECK(d != t1);
  CHECK(d == token_digest(t1));
}

TEST_CASE("username and password rules") {
  CHECK_FALSE(username_problem("alice"));
  CHECK_FALSE(username_problem("Bob_2.x-y"));
  CHECK(username_problem(""));
  CHECK(username_problem("has space"));
  CHECK(username_problem("slash/"));
  CHECK(username_problem(std::string(65, 'a')));
  CHECK_FALSE(password_weakness("longenough"));
  CHECK(password_weakness("short"));
  CHECK(password_weakness(std::string(1025, 'x')));
}

#include "wire/sha256.hpp"

TEST_CASE("push signatures are HMAC-SHA256 (RFC 4231, test case 2)") {
  CHECK(parley::wire::hmac_sha256_hex("Jefe", "what do ya want for nothing?")
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
