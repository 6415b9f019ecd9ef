// A device's end-to-end state on disk (app/e2e/state_store.hpp): created
// private (0700 directory, 0600 files), keys and sessions read back
// exactly, one-time prekey ids never reused, a changed identity never
// silently accepted, history de-duplicated, and a transaction that fails
// leaving nothing behind.
#include <catch2/catch.hpp>

#include "temp_dir.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "app/e2e/state_store.hpp"

using namespace parley;
using namespace parley::e2e_client;
namespace fs = std::filesystem;

namespace {

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

} // namespace

TEST_CASE("the state is created private and keeps a device's keys") {
  auto dir = parley::test::fresh_state_dir();
  ::umask(0022);
  {
    state_store store{dir};
    e2e::identity id{e2e::ed25519_generate(), e2e::x25519_generate()};
    auto spk = e2e::x25519_generate();
    store.transaction([&] {
      store.save_identity(id);
      store.add_signed_prekey(1, spk, 1000);
    });
    auto first = store.make_one_time_prekeys(3);
    CHECK(first.front().id == 1);
    CHECK(first.back().id == 3);
    store.drop_one_time_prekey(3);
    auto more = store.make_one_time_prekeys(2);
    CHECK(more.front().id == 4); // ids continue upwards, never reused
    CHECK(!store.one_time_prekey(3));
    REQUIRE(store.one_time_prekey(4));
    CHECK(e2e::b64(store.one_time_prekey(4)->pub) == more.front().key);
    REQUIRE(store.own_identity());
    CHECK(store.own_identity()->ik.priv == id.ik.priv);
    CHECK(store.signed_prekey(1)->priv == spk.priv);
    CHECK(store.current_signed_prekey()->first == 1u);
  }
  CHECK(mode_of(dir) == 0700);
  CHECK(mode_of(dir / "state.db") == 0600);
  for (auto& entry : fs::directory_iterator(dir))
    CHECK(mode_of(entry.path()) == 0600);
  state_store reopened{dir};
  CHECK(reopened.own_identity().has_value());
  reopened.clear();
  CHECK(!reopened.own_identity());
}

TEST_CASE("sessions, seen devices and history") {
  state_store store{parley::test::fresh_state_dir()};
  CHECK(store.sessions(1, 2).sessions.empty());
  e2e::peer_sessions ps;
  ps.sessions.emplace_back();
  ps.sessions.back().ad = e2e::bytes(128, 9);
  ps.sessions.back().spk_id = 5;
  store.save_sessions(1, 2, ps);
  CHECK(store.sessions(1, 2).sessions.at(0).spk_id == 5u);
  auto ik = e2e::bytes(32, 1), dh = e2e::bytes(32, 2);
  CHECK(store.remember_device(1, 2, ik, dh) == identity_seen::first_time);
  CHECK(store.remember_device(1, 2, ik, dh) == identity_seen::same);
  CHECK(store.remember_device(1, 2, e2e::bytes(32, 3), dh) == identity_seen::changed);
  auto known = store.known_devices(1);
  REQUIRE(known.size() == 1);
  CHECK(known[0].identity_key == e2e::bytes(32, 3)); // goes on with the new identity
  CHECK(known[0].changed);
  CHECK(store.sessions(1, 2).sessions.empty()); // the old identity's sessions are gone
  store.save_sessions(1, 2, ps);
  store.forget_device(1, 2);
  CHECK(store.known_devices(1).empty());
  CHECK(store.sessions(1, 2).sessions.empty());
  for (int seq = 1; seq <= 5; ++seq)
    store.store_message({"m" + std::to_string(seq), "77", seq, "{}"});
  store.store_message({"m1", "77", 1, "{\"again\":1}"}); // a duplicate is ignored
  CHECK(store.handled("m3"));
  auto last = store.history("77", 3);
  REQUIRE(last.size() == 3);
  CHECK(last.front().seq == 3);
  CHECK(last.back().seq == 5);
  CHECK(store.history("77", 10).front().json == "{}");
}

TEST_CASE("a failed transaction leaves nothing behind, and two processes take turns") {
  auto dir = parley::test::fresh_state_dir();
  state_store a{dir};
  state_store b{dir}; // another parley process on the same state
  CHECK_THROWS_AS(a.transaction([&] {
                    a.set("token", "t1");
                    throw std::runtime_error("crash before the commit");
                  }),
                  std::runtime_error);
  CHECK(!b.get("token"));
  a.transaction([&] { a.set("token", "t2"); });
  CHECK(b.get("token") == std::optional<std::string>{"t2"});
  b.transaction([&] { b.make_one_time_prekeys(2); });
  a.transaction([&] { CHECK(a.make_one_time_prekeys(1).front().id == 3); });
}
