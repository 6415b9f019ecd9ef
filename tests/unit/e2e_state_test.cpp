// Plaintexts (E2E.md §8) and a client's secret state as text
// (wire/e2e/plaintext.hpp, wire/e2e/state_codec.hpp): what is written is
// read back exactly, a session stored mid-conversation carries on, and
// anything malformed is refused rather than half-read.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "wire/e2e/group.hpp"
#include "wire/e2e/plaintext.hpp"
#include "wire/e2e/session.hpp"
#include "wire/e2e/state_codec.hpp"

using namespace parley::e2e;
using json = nlohmann::json;

TEST_CASE("plaintexts are written and read as E2E.md §8 says") {
  auto text = parse_plaintext(to_bytes(text_plaintext("héllo")));
  REQUIRE(text.value);
  CHECK(text.value->t == "text");
  CHECK(text.value->text == "héllo");
  auto padded = text_plaintext("hi", 200);
  CHECK(padded.size() >= 200);
  CHECK(parse_plaintext(to_bytes(padded)).value->text == "hi");
  media_ref m{"0123456789abcdef0123456789abcdef", bytes(32, 7), std::string(64, 'a'), 42,
              "image/png", "cat.png"};
  auto media = parse_plaintext(to_bytes(media_plaintext(m)));
  REQUIRE(media.value);
  CHECK(media.value->media.key == m.key);
  CHECK(media.value->media.size == 42);
  auto own = new_sender_key(0);
  auto share = parse_plaintext(to_bytes(distribution_plaintext(own, "77")));
  REQUIRE(share.value);
  CHECK(share.value->share.conversation == "77");
  CHECK(share.value->share.chain_key == own.chain_key);
  CHECK(share.value->share.signing_key == own.signing.pub);
  // unknown kinds are kept; anything else is bad_plaintext
  CHECK(parse_plaintext(to_bytes(R"({"t":"poll","q":"?"})")).value->t == "poll");
  for (auto* bad : {"[]", "\"text\"", R"({"text":"x"})", R"({"t":"text"})",
                    R"({"t":"media","media_id":"x","key":"AAAA","sha256":"00","size":1,)"
                    R"("content_type":"a","name":"b"})",
                    R"({"t":"sender_key","conversation":"1","key_id":-1,"iteration":0,)"
                    R"("chain_key":"","signing_key":""})",
                    "not json"})
    CHECK(parse_plaintext(to_bytes(bad)).error == "bad_plaintext");
}

TEST_CASE("sessions stored mid-conversation carry on after being read back") {
  identity alice{ed25519_generate(), x25519_generate()};
  identity bob{ed25519_generate(), x25519_generate()};
  auto spk = x25519_generate();
  bundle b{bob.ik.pub, bob.ikdh.pub, *ed25519_sign(bob.ik.priv, identity_sig_message(bob.ikdh.pub)),
           1, spk.pub, *ed25519_sign(bob.ik.priv, signed_prekey_sig_message(1, spk.pub)),
           std::nullopt, {}};
  peer_sessions at_alice{{*initiate_session(alice, b, x25519_generate(), x25519_generate())}};
  peer_sessions at_bob;
  prekey_source keys{[&](std::uint32_t) -> std::optional<key_pair> { return spk; },
                     [](std::uint32_t) -> std::optional<key_pair> { return std::nullopt; }};
  auto skipped = *seal_for(at_alice, alice, to_bytes("skipped for now"));
  auto first = *seal_for(at_alice, alice, to_bytes("first"));
  REQUIRE(open_envelope(at_bob, bob, keys, alice.ik.pub, alice.ikdh.pub, first, x25519_generate)
            .plaintext);
  // Both sides written out and read back, as a client restarting would.
  auto stored_alice = encode_sessions(at_alice);
  auto stored_bob = encode_sessions(at_bob);
  auto again_alice = decode_sessions(stored_alice);
  auto again_bob = decode_sessions(stored_bob);
  REQUIRE(again_alice);
  REQUIRE(again_bob);
  CHECK(encode_sessions(*again_bob) == stored_bob);
  CHECK(again_bob->sessions.at(0).ratchet.skipped.size() == 1);
  auto late = open_envelope(*again_bob, bob, keys, alice.ik.pub, alice.ikdh.pub, skipped,
                            x25519_generate);
  CHECK(to_string(*late.plaintext) == "skipped for now");
  auto reply = *seal_for(*again_bob, bob, to_bytes("reply"));
  auto opened = open_envelope(*again_alice, alice, keys, bob.ik.pub, bob.ikdh.pub, reply,
                              x25519_generate);
  CHECK(to_string(*opened.plaintext) == "reply");
  // damaged rows are refused whole
  CHECK(!decode_sessions("{}"));
  CHECK(!decode_sessions(R"({"sessions":[{"ad":"zz"}]})"));
  CHECK(!decode_sessions(stored_bob.substr(0, stored_bob.size() / 2)));
}

TEST_CASE("sender keys are stored and read back exactly") {
  auto own = new_sender_key(0);
  group_encrypt(own, to_bytes("advance once"));
  auto own_again = decode_own_sender_key(encode_own_sender_key(own));
  REQUIRE(own_again);
  CHECK(own_again->iteration == 1);
  CHECK(own_again->signing.priv == own.signing.priv);
  their_sender_key theirs{own.key_id, own.chain_key, own.iteration, own.signing.pub, {}};
  theirs.skipped.emplace(0, bytes(32, 1));
  auto theirs_again = decode_their_sender_key(encode_their_sender_key(theirs));
  REQUIRE(theirs_again);
  CHECK(theirs_again->skipped.at(0) == bytes(32, 1));
  auto body = group_encrypt(own, to_bytes("next"));
  auto opened = group_decrypt(*theirs_again, *parse_group_body(body));
  CHECK(to_string(*opened.plaintext) == "next");
  CHECK(!decode_their_sender_key(R"({"key_id":1})"));
  CHECK(!decode_own_sender_key("[]"));
}
