#define CAF_SUITE conversation_devices
// Encrypted sends in a conversation actor (E2E.md §9), step by step over
// the in-memory store: the members' devices are read once, a matching
// send is stored and each device gets only its own envelope, a stale send
// is checked afresh and refused with what is missing and extra, and a
// change the directory announces is heard before the next send.
#include "fixture.hpp"

#include "actors/conversation.hpp"

using namespace parley;
using namespace parley::test;

namespace {

struct device_log_state {
  std::map<id64, std::vector<std::string>> frames; // by device
  std::vector<std::vector<id64>> watched;
  static inline const char* name = "device_log";
};

// Users 1, 2 and 3 with devices 10 and 11, 20, and 30 (and 21, which user
// 2 may publish later): what the store holds at first, and which devices'
// frames the directory records.
const std::map<id64, id64> owners{{10, 1}, {11, 1}, {20, 2}, {30, 3}};
const std::map<id64, id64> all_devices{{10, 1}, {11, 1}, {20, 2}, {21, 2}, {30, 3}};

caf::behavior device_directory(caf::stateful_actor<device_log_state>* self) {
  return {
    [=](route_atom, const std::vector<id64>& users, const caf::message& deliver) {
      auto except = deliver.get_as<id64>(1);
      auto& frames = deliver.get_as<wire::device_frames>(2);
      for (auto& [device, user] : all_devices)
        if (device != except && std::find(users.begin(), users.end(), user) != users.end())
          self->state.frames[device].push_back(frames.for_device(device).str());
      return std::vector<caf::actor>(users.size());
    },
    [=](devwatch_atom, const std::vector<id64>& users) {
      self->state.watched.push_back(users);
    },
    [=](contacts_atom, const std::vector<id64>&) {},
    [=](retire_atom, id64) { return true; },
  };
}

struct devices_fixture : fixture {
  static constexpr id64 conv = 78;
  caf::actor directory;
  caf::actor actor;

  devices_fixture() {
    directory = sys.spawn(device_directory);
    stored().conversations[conv] = make_conversation("group", {1, 2, 3});
    stored().device_owners = owners;
    actor = spawn_conversation(sys, ctx, directory, store, conv);
    stop_at_end.push_back(directory);
    stop_at_end.push_back(actor);
  }

  // A send of device 10 (user 1) with these envelopes, and no body.
  outgoing_message sealed(std::string client_id, wire::device_envelopes envelopes) {
    outgoing_message m{conv, 1, 10, std::move(client_id), {}, {}, false, {}, {}};
    m.envelopes = wire::shared_envelopes{std::move(envelopes)};
    return m;
  }

  device_log_state& log() {
    return deref<caf::stateful_actor<device_log_state>>(directory).state;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(conversation_device_tests, devices_fixture)

CAF_TEST(a send naming every other device is stored and each device gets its own envelope) {
  auto sent = self->request(actor, caf::infinite, send_atom::value,
                            sealed("\"a\"", {{11, "for 11"}, {20, "for 20"}, {30, "for 30"}}));
  run_messages();
  auto ack = answer<ack_info>(sent);
  CAF_REQUIRE(ack);
  CAF_CHECK_EQUAL(ack->seq, 1);
  // Read once, after asking to hear of changes to these users' devices.
  CAF_CHECK_EQUAL(stored().log, (std::vector<std::string>{"load", "devices", "persist 78:1"}));
  CAF_REQUIRE_EQUAL(log().watched.size(), 1u);
  CAF_CHECK_EQUAL(log().watched[0], (std::vector<id64>{1, 2, 3}));
  for (id64 device : {11, 20, 30}) {
    CAF_REQUIRE_EQUAL(log().frames[device].size(), 1u);
    auto& frame = log().frames[device][0];
    CAF_CHECK(frame.find("\"envelope\":\"for " + std::to_string(device) + "\"")
              != std::string::npos);
    CAF_CHECK(frame.find("\"body\"") == std::string::npos);
    for (id64 other : {11, 20, 30})
      if (other != device)
        CAF_CHECK(frame.find("for " + std::to_string(other)) == std::string::npos);
  }
  CAF_CHECK(log().frames[10].empty()); // never to the sending device
  // The next send needs no read.
  auto next = self->request(actor, caf::infinite, send_atom::value,
                            sealed("\"b\"", {{11, "x"}, {20, "y"}, {30, "z"}}));
  run_messages();
  CAF_REQUIRE(answer<ack_info>(next));
  CAF_CHECK_EQUAL(stored().log.back(), "persist 78:2");
  CAF_CHECK_EQUAL(std::count(stored().log.begin(), stored().log.end(), "devices"), 1);
}

CAF_TEST(a stale send is checked afresh and refused naming what is missing and extra) {
  auto sent = self->request(actor, caf::infinite, send_atom::value,
                            sealed("\"s\"", {{20, "e"}, {99, "e"}}));
  run_messages();
  auto refused = answer<ack_info>(sent);
  CAF_REQUIRE(!refused);
  CAF_CHECK_EQUAL(wire_code(refused.error()), "stale_devices");
  CAF_CHECK_EQUAL(details_of(refused.error()),
                  R"({"extra":["99"],"missing":["11","30"],"owners":{"11":"1","30":"3"}})");
  CAF_CHECK_EQUAL(stored().log, (std::vector<std::string>{"load", "devices", "recheck"}));
  CAF_CHECK(stored().messages.empty());
  // An empty envelope without a body is refused, once the rest is checked.
  auto empty = self->request(actor, caf::infinite, send_atom::value,
                             sealed("\"e\"", {{11, ""}, {20, "e"}, {30, "e"}}));
  run_messages();
  CAF_CHECK(!answer<ack_info>(empty));
}

CAF_TEST(a device change the directory announces is heard before the next send) {
  auto first = self->request(actor, caf::infinite, send_atom::value,
                             sealed("\"1\"", {{11, "a"}, {20, "b"}, {30, "c"}}));
  run_messages();
  CAF_REQUIRE(answer<ack_info>(first));
  // User 2 publishes a second device; the directory tells the conversation.
  stored().device_owners[21] = 2;
  self->send(actor, devchange_atom::value, id64{2});
  auto stale = self->request(actor, caf::infinite, send_atom::value,
                             sealed("\"2\"", {{11, "a"}, {20, "b"}, {30, "c"}}));
  // A plain send behind it waits for its refusal, then takes the next seq.
  outgoing_message plain{conv, 3, 30, "\"p\"", wire::shared_text{"plain"}, {}};
  auto behind = self->request(actor, caf::infinite, send_atom::value, plain);
  run_messages();
  auto refused = answer<ack_info>(stale);
  CAF_REQUIRE(!refused);
  CAF_CHECK(details_of(refused.error()).find(R"("missing":["21"])") != std::string::npos);
  auto ack = answer<ack_info>(behind);
  CAF_REQUIRE(ack);
  CAF_CHECK_EQUAL(ack->seq, 2);
  // Resent with the same client id and the new device: stored once.
  auto resent = self->request(actor, caf::infinite, send_atom::value,
                              sealed("\"2\"", {{11, "a"}, {20, "b"}, {21, "n"}, {30, "c"}}));
  run_messages();
  auto stored_ack = answer<ack_info>(resent);
  CAF_REQUIRE(stored_ack);
  CAF_CHECK_EQUAL(stored_ack->seq, 3);
  CAF_REQUIRE(!log().frames[21].empty());
  CAF_CHECK(log().frames[21].back().find("\"envelope\":\"n\"") != std::string::npos);
}

CAF_TEST(a refused send whose client id was stored is acked as before) {
  auto first = self->request(actor, caf::infinite, send_atom::value,
                             sealed("\"r\"", {{11, "a"}, {20, "b"}, {30, "c"}}));
  run_messages();
  auto ack = answer<ack_info>(first);
  CAF_REQUIRE(ack);
  // A device left meanwhile; the retry still names it, as the first attempt did.
  stored().device_owners.erase(30);
  self->send(actor, devchange_atom::value, id64{3});
  auto again = self->request(actor, caf::infinite, send_atom::value,
                             sealed("\"r\"", {{11, "a"}, {20, "b"}, {30, "c"}}));
  run_messages();
  auto same = answer<ack_info>(again);
  CAF_REQUIRE(same);
  CAF_CHECK_EQUAL(same->msg_id, ack->msg_id);
  CAF_CHECK_EQUAL(stored().messages.size(), 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
