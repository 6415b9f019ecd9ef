#define CAF_SUITE presence
#include "fixture.hpp"

#include "actors/presence.hpp"

using namespace parley;
using namespace parley::test;

namespace {

// What a presence actor asks of the directory: its stored state.
caf::behavior presence_directory(caf::event_based_actor* self) {
  self->set_default_handler(caf::drop);
  return {
    [](presload_atom, id64) { return presence_record{}; },
    [](last_seen_atom, id64, std::int64_t) { return true; },
    [](retire_atom, id64) { return true; },
  };
}

// A session that writes what its presence actor sends to its socket.
caf::behavior socket_session(caf::event_based_actor* self,
                             std::shared_ptr<recorded_link> link) {
  self->set_default_handler(caf::drop);
  return {[=](deliver_atom, const wire::shared_text& frame) { link->send_shared(frame); }};
}

struct presence_fixture : fixture {
  caf::actor directory = sys.spawn(presence_directory);
  caf::actor presence = spawn_presence(sys, ctx, directory, caf::actor{}, 1);
  std::shared_ptr<recorded_link> phone = std::make_shared<recorded_link>();
  std::shared_ptr<recorded_link> laptop = std::make_shared<recorded_link>();

  presence_fixture() {
    for (auto& a : {directory, presence})
      stop_at_end.push_back(a);
    auto attach = [&](id64 device, const std::shared_ptr<recorded_link>& link) {
      auto session = sys.spawn(socket_session, link);
      stop_at_end.push_back(session);
      self->send(presence, online_atom::value, device, session);
    };
    attach(10, phone);
    attach(11, laptop);
    run_messages();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(presence_tests, presence_fixture)

CAF_TEST(a frame for several devices reaches every session without a copy) {
  wire::shared_text frame{R"({"type":"message","body":"hi"})"};
  self->send(presence, deliver_atom::value, id64{0}, frame);
  run_messages();
  CAF_REQUIRE_EQUAL(phone->shared.size(), 1u);
  CAF_REQUIRE_EQUAL(laptop->shared.size(), 1u);
  // One string in memory, held by the sender and both sockets.
  CAF_CHECK_EQUAL(&phone->shared[0].str(), &frame.str());
  CAF_CHECK_EQUAL(&laptop->shared[0].str(), &frame.str());
}

CAF_TEST(the sending device does not get its own message back) {
  self->send(presence, deliver_atom::value, id64{10}, wire::shared_text{"mine"});
  run_messages();
  CAF_CHECK_EQUAL(phone->shared.size(), 0u);
  CAF_CHECK_EQUAL(laptop->shared.size(), 1u);
}

CAF_TEST(a session that attaches again gets each frame once) {
  auto session = sys.spawn(socket_session, phone);
  stop_at_end.push_back(session);
  self->send(presence, online_atom::value, id64{12}, session);
  self->send(presence, online_atom::value, id64{12}, session); // after a ring change
  run_messages();
  self->send(presence, deliver_atom::value, id64{0}, wire::shared_text{"once"});
  run_messages();
  CAF_CHECK_EQUAL(phone->shared.size(), 2u); // the fixture's phone session, and this one
}

CAF_TEST_FIXTURE_SCOPE_END()
