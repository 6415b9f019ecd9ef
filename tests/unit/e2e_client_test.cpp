// The client's end-to-end engine (app/e2e: device, outgoing, incoming)
// against a server in memory (tests/unit/e2e_fake_server.hpp): keys
// published at login, 1:1 messages to every device of both users, the
// stale_devices retry with the same client id, identity changes, sender
// keys with rotation, duplicates and undecryptable messages reported.
#include <catch2/catch.hpp>

#include "temp_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "app/e2e/device_keys.hpp"
#include "app/e2e/incoming.hpp"
#include "e2e_fake_server.hpp"
#include "wire/e2e/plaintext.hpp"

using namespace parley;
using namespace parley::e2e_client;
using parley::test::fake_directory;
using parley::test::fake_server;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// One logged-in device: its own state, its view of the server, its engine.
struct phone {
  phone(fake_server& s, id64 user, id64 dev, std::int64_t now_ms = 0)
    : server(s), store(parley::test::fresh_state_dir()), dir(s, user, dev) {
    CHECK(publish_new_keys(store, dir, now_ms) == 100);
    engine = std::make_unique<device>(store, dir, user, dev);
  }

  fake_server& server;
  state_store store;
  fake_directory dir;
  std::unique_ptr<device> engine;
  int next_cid = 0;

  sent_message send_to(id64 peer, const std::string& text) {
    outgoing_message m{"cid-" + std::to_string(++next_cid), e2e::to_bytes(e2e::text_plaintext(text)), {}};
    return send_direct(*engine, peer, m, dir.submitter());
  }
  sent_message send_in(const std::string& conv, const std::string& text) {
    outgoing_message m{"cid-" + std::to_string(++next_cid), e2e::to_bytes(e2e::text_plaintext(text)), {}};
    return send_group(*engine, conv, m, dir.submitter());
  }
  // Every frame waiting for this device, as `listen` shows them.
  std::vector<json> read(bool group = false) {
    std::vector<json> out;
    auto& q = server.inbox[engine->id()];
    while (!q.empty()) {
      auto frame = q.front();
      q.pop_front();
      if (auto r = receive(*engine, frame, group); r.shown)
        out.push_back(*r.shown);
    }
    return out;
  }
};

std::string text_of(const json& shown) {
  return shown.contains("error") ? "error:" + shown["error"].get<std::string>()
                                 : shown.value("text", "?");
}

} // namespace

TEST_CASE("1:1 messages reach every device of both users, both ways") {
  fake_server s;
  phone alice{s, 1, 11}, alice2{s, 1, 12}, bob{s, 2, 21}, bob2{s, 2, 22};
  auto sent = alice.send_to(2, "hi bob");
  CHECK(sent.devices == 3); // bob's two and alice's other device
  for (auto* p : {&bob, &bob2, &alice2}) {
    auto got = p->read();
    REQUIRE(got.size() == 1);
    CHECK(text_of(got[0]) == "hi bob");
    CHECK(got[0]["encrypted"] == true);
    CHECK(got[0]["from_device"] == "11");
  }
  for (int i = 0; i < 5; ++i) {
    bob2.send_to(1, "answer " + std::to_string(i));
    alice.send_to(2, "more " + std::to_string(i));
  }
  auto got = alice.read();
  REQUIRE(got.size() == 5);
  CHECK(text_of(got[4]) == "answer 4");
  CHECK(bob.read().size() == 10);
  CHECK(alice2.read().size() == 10);
  auto mine = bob2.read();
  REQUIRE(mine.size() == 5); // alice's; its own sends carry nothing for it
  CHECK(text_of(mine[0]) == "more 0");
}

TEST_CASE("a device added mid-conversation is fetched and the same client id resent") {
  fake_server s;
  phone alice{s, 1, 11}, bob{s, 2, 21};
  alice.send_to(2, "one");
  phone bob2{s, 2, 22};
  int before = s.sends_seen;
  auto sent = alice.send_to(2, "two");
  CHECK(s.sends_seen == before + 2); // refused with 22 missing, then stored
  CHECK(sent.devices == 2);
  auto got = bob2.read();
  REQUIRE(got.size() == 1);
  CHECK(text_of(got[0]) == "two");
  CHECK(bob.read().size() == 2);
  // A revoked device is reported extra and forgotten.
  s.revoke(22);
  before = s.sends_seen;
  CHECK(alice.send_to(2, "three").devices == 1);
  CHECK(s.sends_seen == before + 2);
  CHECK(alice.store.known_devices(2).size() == 1);
}

TEST_CASE("a send to a user without keys is refused before it leaves") {
  fake_server s;
  phone alice{s, 1, 11};
  CHECK_THROWS_AS(alice.send_to(3, "anyone?"), send_refused);
  CHECK(s.sends_seen == 0);
}

TEST_CASE("duplicates are skipped, a damaged envelope is reported with its code") {
  fake_server s;
  phone alice{s, 1, 11}, bob{s, 2, 21};
  alice.send_to(2, "once");
  auto frame = s.inbox[21].front();
  CHECK(bob.read().size() == 1);
  CHECK(!receive(*bob.engine, frame, false).shown); // delivered again: already handled
  alice.send_to(2, "tampered");
  auto& env = s.inbox[21].front()["envelope"];
  auto text = env.get<std::string>();
  text[text.size() / 2] = text[text.size() / 2] == 'A' ? 'B' : 'A';
  env = text;
  auto got = bob.read();
  REQUIRE(got.size() == 1);
  CHECK(got[0].contains("error"));
  CHECK(!got[0].contains("t"));
  alice.send_to(2, "after");
  got = bob.read();
  REQUIRE(got.size() == 1);
  CHECK(text_of(got[0]) == "after"); // the session was left as it was
}

TEST_CASE("a known device with a new identity is a warning, and then used") {
  fake_server s;
  phone alice{s, 1, 11};
  auto bob = std::make_unique<phone>(s, 2, 21);
  alice.send_to(2, "hello");
  bob->read();
  s.revoke(21);                            // logged out, and in again
  bob = std::make_unique<phone>(s, 2, 21); // with the same device id: new keys
  bob->send_to(1, "new keys here");
  auto got = alice.read(); // the prekey envelope's identity, confirmed by the listing
  REQUIRE(got.size() == 1);
  CHECK(text_of(got[0]) == "new keys here");
  auto warnings = alice.engine->take_warnings();
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].code == "identity_changed");
  CHECK(warnings[0].device == 21);
  CHECK(alice.store.known_devices(2).at(0).changed);
  alice.send_to(2, "again");
  got = bob->read();
  REQUIRE(got.size() == 1);
  CHECK(text_of(got[0]) == "again");
}

TEST_CASE("group messages under sender keys; a removed member cannot read later ones") {
  fake_server s;
  s.groups["g1"] = {1, 2, 3};
  phone alice{s, 1, 11}, bob{s, 2, 21}, carol{s, 3, 31};
  auto first = alice.send_in("g1", "hello group");
  REQUIRE(first.key_id);
  CHECK(first.devices == 2);
  CHECK(text_of(bob.read(true).at(0)) == "hello group");
  CHECK(text_of(carol.read(true).at(0)) == "hello group");
  auto second = alice.send_in("g1", "again");
  CHECK(second.key_id == first.key_id); // no rotation needed
  CHECK(s.inbox[21].front().count("envelope") == 0); // bob holds the key: ""
  CHECK(text_of(bob.read(true).at(0)) == "again");
  carol.read(true);

  s.groups["g1"] = {1, 2}; // carol removed
  auto third = alice.send_in("g1", "without carol");
  CHECK(third.key_id != first.key_id);
  CHECK(text_of(bob.read(true).at(0)) == "without carol");
  // Carol, given the message anyway, lacks the new key.
  auto frame = s.inbox[21].empty() ? json{} : s.inbox[21].front();
  alice.send_in("g1", "still without");
  auto leaked = s.inbox[21].back();
  s.inbox[31].push_back(leaked);
  auto got = carol.read(true);
  REQUIRE(got.size() == 1);
  CHECK(got[0]["error"] == "no_sender_key");

  // A new member reads from now on, never earlier.
  s.groups["g1"] = {1, 2, 4};
  phone dave{s, 4, 41};
  alice.send_in("g1", "welcome dave");
  auto d = dave.read(true);
  REQUIRE(d.size() == 1);
  CHECK(text_of(d[0]) == "welcome dave");
  s.inbox[41].push_back(leaked);
  d = dave.read(true);
  REQUIRE(d.size() == 1);
  CHECK(d[0]["error"] == "duplicate");
}

TEST_CASE("prekeys are topped up to 100 and the signed prekey replaced after a week") {
  fake_server s;
  phone alice{s, 1, 11, 0}, bob{s, 2, 21};
  for (int i = 0; i < 3; ++i)
    bob.dir.bundles(1, {}); // three claims
  CHECK(alice.dir.status().unclaimed == 97);
  CHECK(replenish_prekeys(alice.store, alice.dir) == 100);
  CHECK(!rotate_signed_prekey(alice.store, alice.dir, signed_prekey_life_ms - 1));
  CHECK(rotate_signed_prekey(alice.store, alice.dir, signed_prekey_life_ms));
  CHECK(alice.dir.status().signed_prekey_id == 2u);
  CHECK(alice.store.signed_prekey(1)); // kept for envelopes on their way
  // A replacement whose upload fails is uploaded by the next command.
  alice.dir.refuse_uploads = true;
  CHECK_THROWS_AS(rotate_signed_prekey(alice.store, alice.dir, 2 * signed_prekey_life_ms),
                  directory_error);
  CHECK(alice.dir.status().signed_prekey_id == 2u);
  alice.dir.refuse_uploads = false;
  CHECK(rotate_signed_prekey(alice.store, alice.dir, 2 * signed_prekey_life_ms + 1));
  CHECK(alice.dir.status().signed_prekey_id == 3u);
  CHECK(!rotate_signed_prekey(alice.store, alice.dir, 2 * signed_prekey_life_ms + 2));
  bob.send_to(1, "after the rotation");
  CHECK(text_of(alice.read().at(0)) == "after the rotation");
}
