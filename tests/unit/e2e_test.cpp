#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>

#include "wire/e2e/envelope.hpp"
#include "wire/e2e/ratchet.hpp"
#include "wire/e2e/vectors.hpp"
#include "wire/e2e/x3dh.hpp"

using namespace parley::e2e;

namespace {

nlohmann::json published_vectors() {
  std::ifstream in{PARLEY_E2E_VECTORS};
  REQUIRE(in);
  return nlohmann::json::parse(in);
}

// Alice and Bob with a fresh session: Alice has sent nothing yet.
struct session_pair {
  identity alice{ed25519_generate(), x25519_generate()};
  identity bob{ed25519_generate(), x25519_generate()};
  key_pair spk = x25519_generate();
  bytes ad;
  ratchet_state a, b;

  session_pair() {
    bundle bb{bob.ik.pub, bob.ikdh.pub,
              *ed25519_sign(bob.ik.priv, identity_sig_message(bob.ikdh.pub)), 1, spk.pub,
              *ed25519_sign(bob.ik.priv, signed_prekey_sig_message(1, spk.pub)), std::nullopt,
              {}};
    auto ek = x25519_generate();
    auto secret = x3dh_initiate(alice, bb, ek);
    REQUIRE(secret);
    ad = secret->ad;
    a = ratchet_init_alice(secret->sk, spk.pub, x25519_generate());
    b = ratchet_init_bob(secret->sk, spk);
  }
};

} // namespace

TEST_CASE("every value of the published vectors is recomputed") {
  auto results = check_vectors(published_vectors());
  CHECK(results.size() > 150);
  for (auto& r : results) {
    INFO(r.name);
    CHECK(r.pass);
  }
}

TEST_CASE("a changed vector fails its check and only that one") {
  auto file = published_vectors();
  file["ratchet"]["messages"][2]["ciphertext"] = "00" + file["ratchet"]["messages"][2]["ciphertext"].get<std::string>().substr(2);
  int failed = 0;
  for (auto& r : check_vectors(file))
    failed += r.pass ? 0 : 1;
  CHECK(failed >= 1);
  CHECK(failed <= 3); // the ciphertext, and what is decrypted from it
}

TEST_CASE("a flipped bit in the header, the ciphertext or the AD fails, and changes nothing") {
  session_pair s;
  auto pt = to_bytes("{\"t\":\"text\",\"text\":\"hi\"}");
  auto m = ratchet_encrypt(s.a, s.ad, pt);
  REQUIRE(m);
  auto fresh = [] { return x25519_generate(); };
  auto before = s.b.rk;
  for (int which = 0; which < 3; ++which) {
    auto header = m->header, ct = m->ct, ad = s.ad;
    (which == 0 ? header : which == 1 ? ct : ad)[5] ^= 0x10;
    CHECK_FALSE(ratchet_decrypt(s.b, ad, header, ct, fresh));
    CHECK(s.b.rk == before);
    CHECK(s.b.dhr.empty());
  }
  CHECK(ratchet_decrypt(s.b, s.ad, m->header, m->ct, fresh) == pt);
  CHECK_FALSE(ratchet_decrypt(s.b, s.ad, m->header, m->ct, fresh)); // a replay
}

TEST_CASE("messages out of order decrypt with skipped keys, each once") {
  session_pair s;
  auto fresh = [] { return x25519_generate(); };
  std::vector<ratchet_message> sent;
  for (int i = 0; i < 5; ++i)
    sent.push_back(*ratchet_encrypt(s.a, s.ad, to_bytes("m" + std::to_string(i))));
  for (int i : {4, 0, 2, 1, 3})
    CHECK(ratchet_decrypt(s.b, s.ad, sent[i].header, sent[i].ct, fresh)
          == to_bytes("m" + std::to_string(i)));
  CHECK_FALSE(ratchet_decrypt(s.b, s.ad, sent[2].header, sent[2].ct, fresh));
  // Bob answers: a DH step each way.
  auto reply = *ratchet_encrypt(s.b, s.ad, to_bytes("r"));
  CHECK(ratchet_decrypt(s.a, s.ad, reply.header, reply.ct, fresh) == to_bytes("r"));
}

TEST_CASE("a message past MAX_SKIP is refused") {
  session_pair s;
  auto fresh = [] { return x25519_generate(); };
  ratchet_message last;
  for (std::uint32_t i = 0; i <= max_skip + 1; ++i)
    last = *ratchet_encrypt(s.a, s.ad, to_bytes("x"));
  CHECK_FALSE(ratchet_decrypt(s.b, s.ad, last.header, last.ct, fresh));
}

TEST_CASE("B64 is strict") {
  CHECK(from_b64("AAAA") == bytes{0, 0, 0});
  CHECK(from_b64("QQ==") == bytes{'A'});
  CHECK_FALSE(from_b64("QR=="));  // non-zero unused bits
  CHECK_FALSE(from_b64("QQ="));   // missing padding
  CHECK_FALSE(from_b64("QQ==="));
  CHECK_FALSE(from_b64("Q===")); 
  CHECK_FALSE(from_b64("QQ-_")); // base64url is not B64
  CHECK_FALSE(from_b64("AA=A"));
  CHECK_FALSE(from_b64("AAAA", 2)); // the wrong length
  CHECK(b64(bytes{1, 2, 3, 4}) == "AQIDBA==");
}

TEST_CASE("an envelope with another version or a short ct is refused") {
  CHECK(parse_envelope(R"({"v":2,"type":"message","header":"","ct":""})").error
        == "unsupported_version");
  envelope e;
  e.header = bytes(40, 1);
  e.ct = bytes(15, 2);
  CHECK(parse_envelope(encode_envelope(e)).error == "bad_message");
  e.ct.push_back(3);
  CHECK(parse_envelope(encode_envelope(e)).value);
}

TEST_CASE("a bundle whose signature does not verify starts no session") {
  session_pair s;
  bundle bb{s.bob.ik.pub, s.bob.ikdh.pub,
            *ed25519_sign(s.bob.ik.priv, identity_sig_message(s.bob.ikdh.pub)), 1, s.spk.pub,
            *ed25519_sign(s.bob.ik.priv, signed_prekey_sig_message(2, s.spk.pub)), // id 2
            std::nullopt, {}};
  CHECK_FALSE(x3dh_initiate(s.alice, bb, x25519_generate()));
}
