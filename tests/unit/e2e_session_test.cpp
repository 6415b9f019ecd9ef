// Sessions between devices (wire/e2e/session.hpp, E2E.md §5 and §7): a
// session started from a bundle, prekey envelopes until the peer answers,
// out-of-order and lost messages, tampering and replays refused without
// changing state, the identity check, and two devices that start sessions
// with each other at once settling on one.
#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>

#include "wire/e2e/bytes.hpp"
#include "wire/e2e/session.hpp"

using namespace parley::e2e;
using json = nlohmann::json;

namespace {

struct device {
  identity id{ed25519_generate(), x25519_generate()};
  key_pair spk = x25519_generate();
  std::uint32_t spk_id = 7;
  std::map<std::uint32_t, key_pair> opks;
  std::map<std::string, peer_sessions> peers; // by peer name

  device() {
    for (std::uint32_t i = 1; i <= 3; ++i)
      opks[i] = x25519_generate();
  }

  bundle bundle_for(bool with_opk) {
    bundle b{id.ik.pub, id.ikdh.pub, *ed25519_sign(id.ik.priv, identity_sig_message(id.ikdh.pub)),
             spk_id, spk.pub, *ed25519_sign(id.ik.priv, signed_prekey_sig_message(spk_id, spk.pub)),
             std::nullopt, {}};
    if (with_opk) {
      b.opk_id = opks.begin()->first;
      b.opk = opks.begin()->second.pub;
    }
    return b;
  }

  prekey_source prekeys() {
    return {[this](std::uint32_t n) -> std::optional<key_pair> {
              if (n == spk_id)
                return spk;
              return std::nullopt;
            },
            [this](std::uint32_t n) -> std::optional<key_pair> {
              auto it = opks.find(n);
              if (it == opks.end())
                return std::nullopt;
              return it->second;
            }};
  }

  void start_with(const std::string& name, device& peer, bool with_opk = true) {
    peers[name].sessions.insert(
      peers[name].sessions.begin(),
      *initiate_session(id, peer.bundle_for(with_opk), x25519_generate(), x25519_generate()));
  }

  std::string seal(const std::string& name, const std::string& text) {
    return *seal_for(peers[name], id, to_bytes(text));
  }

  opened_envelope open(const std::string& name, const device& from, const std::string& env) {
    auto opened = open_envelope(peers[name], id, prekeys(), from.id.ik.pub, from.id.ikdh.pub,
                                env, x25519_generate);
    if (opened.used_one_time_prekey)
      opks.erase(*opened.used_one_time_prekey);
    return opened;
  }
};

std::string text_of(const opened_envelope& o) {
  REQUIRE(o.plaintext);
  return to_string(*o.plaintext);
}

std::string type_of(const std::string& envelope) {
  return json::parse(envelope)["type"];
}

// The envelope with one bit of a B64 field flipped (re-encoded validly).
std::string flipped(const std::string& envelope, const char* field) {
  auto j = json::parse(envelope);
  auto raw = *from_b64(j[field].get<std::string>());
  raw[raw.size() / 2] ^= 0x01;
  j[field] = b64(raw);
  return j.dump();
}

} // namespace

TEST_CASE("a session starts with prekey envelopes and answers make it a message session") {
  device alice, bob;
  alice.start_with("bob", bob);
  auto e1 = alice.seal("bob", "one");
  auto e2 = alice.seal("bob", "two");
  auto e3 = alice.seal("bob", "three");
  for (auto& e : {e1, e2, e3})
    CHECK(type_of(e) == "prekey");
  // Out of order: the second starts Bob's session, the first is a skipped key.
  CHECK(text_of(bob.open("alice", alice, e2)) == "two");
  CHECK(bob.opks.count(1) == 0); // the one-time prekey's private key is gone
  CHECK(text_of(bob.open("alice", alice, e1)) == "one");
  CHECK(text_of(bob.open("alice", alice, e3)) == "three");
  CHECK(bob.peers["alice"].sessions.size() == 1); // the same ek: the same session
  auto reply = bob.seal("alice", "hi alice");
  CHECK(type_of(reply) == "message");
  CHECK(type_of(alice.seal("bob", "still prekey")) == "prekey"); // nothing decrypted yet
  CHECK(text_of(alice.open("bob", bob, reply)) == "hi alice");
  auto after = alice.seal("bob", "now a message");
  CHECK(type_of(after) == "message");
  alice.seal("bob", "never delivered");
  auto later = alice.seal("bob", "after a lost one");
  CHECK(text_of(bob.open("alice", alice, later)) == "after a lost one");
  CHECK(text_of(bob.open("alice", alice, after)) == "now a message"); // late: a skipped key
}

TEST_CASE("tampering, replays and a wrong identity change nothing") {
  device alice, bob, mallory;
  alice.start_with("bob", bob, false);
  auto first = alice.seal("bob", "first");
  for (auto* field : {"header", "ct"})
    CHECK(bob.open("alice", alice, flipped(first, field)).error == "bad_message");
  CHECK(bob.peers["alice"].sessions.empty());
  // Claimed to come from Alice but made by Mallory's identity.
  mallory.start_with("bob", bob, false);
  CHECK(bob.open("alice", alice, mallory.seal("bob", "x")).error == "identity_mismatch");
  CHECK(text_of(bob.open("alice", alice, first)) == "first");
  CHECK(bob.open("alice", alice, first).error == "bad_message"); // a replay
  auto reply = bob.seal("alice", "r");
  REQUIRE(text_of(alice.open("bob", bob, reply)) == "r");
  auto m = alice.seal("bob", "m");
  device carol; // a message envelope from a device Bob has no session with
  CHECK(bob.open("carol", carol, m).error == "no_session");
  CHECK(bob.open("alice", alice, flipped(m, "ct")).error == "bad_message");
  CHECK(text_of(bob.open("alice", alice, m)) == "m");
  CHECK(bob.open("alice", alice, m).error == "bad_message");
}

TEST_CASE("unknown prekeys and versions are refused") {
  device alice, bob;
  alice.start_with("bob", bob);
  auto e = alice.seal("bob", "x");
  bob.opks.clear();
  CHECK(bob.open("alice", alice, e).error == "no_prekey");
  auto j = json::parse(e);
  j["v"] = 2;
  CHECK(bob.open("alice", alice, j.dump()).error == "unsupported_version");
  CHECK(bob.open("alice", alice, "[]").error == "bad_message");
  j["v"] = 1;
  j.erase("header");
  CHECK(bob.open("alice", alice, j.dump()).error == "bad_message");
}

TEST_CASE("two devices that start sessions with each other at once settle on one") {
  device alice, bob;
  alice.start_with("bob", bob);
  bob.start_with("alice", alice);
  auto from_alice = alice.seal("bob", "a1");
  auto from_bob = bob.seal("alice", "b1");
  CHECK(text_of(bob.open("alice", alice, from_alice)) == "a1");
  CHECK(text_of(alice.open("bob", bob, from_bob)) == "b1");
  // Each now sends on the session that last decrypted, and the other opens it.
  for (int round = 0; round < 3; ++round) {
    CHECK(text_of(bob.open("alice", alice, alice.seal("bob", "a"))) == "a");
    CHECK(text_of(alice.open("bob", bob, bob.seal("alice", "b"))) == "b");
  }
  CHECK(alice.peers["bob"].sessions.size() <= 1 + max_previous_sessions);
}

TEST_CASE("a device keeps at most four previous sessions with a peer") {
  device alice, bob;
  for (int i = 0; i < 7; ++i) {
    device again = alice; // the same identity, a new session each time
    again.peers.clear();
    again.start_with("bob", bob, false);
    CHECK(text_of(bob.open("alice", alice, again.seal("bob", "hello"))) == "hello");
  }
  CHECK(bob.peers["alice"].sessions.size() == 1 + max_previous_sessions);
}
