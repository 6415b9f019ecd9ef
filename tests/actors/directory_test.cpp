#define CAF_SUITE directory
#include "fixture.hpp"

#include "actors/directory.hpp"
#include "actors/membership.hpp"
#include "actors/placement.hpp"

using namespace parley;
using namespace parley::test;

namespace {

// Another node's directory: answers a relayed lookup with its own actor.
caf::behavior peer_directory(caf::event_based_actor* self, caf::actor answer) {
  return {
    [=](relayed_atom, conv_atom, id64) { return answer; },
  };
}

caf::behavior idle_actor(caf::event_based_actor* self) {
  self->set_default_handler(caf::drop);
  return {[](tick_atom) {}};
}

struct directory_fixture : fixture {
  caf::actor directory;
  caf::actor remote_conversation; // what node 2 answers for its keys
  caf::actor peer;

  directory_fixture() {
    directory = spawn_directory(sys, ctx, store, caf::actor{},
                                [](caf::actor_system& sys, context_ptr, std::string) {
                                  return sys.spawn(memory_store);
                                });
    remote_conversation = sys.spawn(idle_actor);
    peer = sys.spawn(peer_directory, remote_conversation);
    for (auto& a : {directory, remote_conversation, peer})
      stop_at_end.push_back(a);
    run_messages();
  }

  caf::actor conversation(id64 key) {
    auto handle = self->request(directory, caf::infinite, conv_atom::value, key);
    run_messages();
    auto found = answer<caf::actor>(handle);
    CAF_REQUIRE(found);
    return *found;
  }

  // The first key from 1 up that a ring of nodes 1 and 2 places on `node`.
  static id64 key_homed_on(int node) {
    placement<int> place{1};
    place.set_members({{1, 0}, {2, 0}});
    id64 key = 1;
    while (place.home_of(key) != node)
      ++key;
    return key;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(directory_tests, directory_fixture)

CAF_TEST(alone a node is home to every conversation and keeps one actor each) {
  auto first = conversation(key_homed_on(2));
  CAF_CHECK(first);
  CAF_CHECK_EQUAL(conversation(key_homed_on(2)), first);
  CAF_CHECK_NOT_EQUAL(conversation(key_homed_on(1)), first);
}

CAF_TEST(a ring change moves away the actors homed elsewhere and relays after) {
  auto moving = conversation(key_homed_on(2));
  auto staying = conversation(key_homed_on(1));
  self->send(directory, ring_atom::value,
             std::vector<node_info>{{1, "127.0.0.1", 9101, {}, directory},
                                    {2, "127.0.0.1", 9102, {}, peer}});
  expect((ring_atom, std::vector<node_info>), from(self).to(directory));
  // Only the conversation whose home moved is told to leave.
  expect((rehome_atom), from(directory).to(moving));
  run_messages();
  CAF_CHECK_EQUAL(conversation(key_homed_on(1)), staying);
  // Its key is now asked of node 2's directory, which answers for it.
  auto handle = self->request(directory, caf::infinite, conv_atom::value, key_homed_on(2));
  expect((conv_atom, id64), from(self).to(directory));
  expect((relayed_atom, conv_atom, id64), from(directory).to(peer).with(_, _, key_homed_on(2)));
  run_messages();
  auto found = answer<caf::actor>(handle);
  CAF_REQUIRE(found);
  CAF_CHECK_EQUAL(*found, remote_conversation);
}

CAF_TEST(a relayed lookup for a key homed elsewhere is refused so the asker retries) {
  self->send(directory, ring_atom::value,
             std::vector<node_info>{{1, "127.0.0.1", 9101, {}, directory},
                                    {2, "127.0.0.1", 9102, {}, peer}});
  run_messages();
  auto handle = self->request(directory, caf::infinite, relayed_atom::value, conv_atom::value,
                              key_homed_on(2));
  run_messages();
  auto refused = answer<caf::actor>(handle);
  CAF_REQUIRE(!refused);
  CAF_CHECK_EQUAL(refused.error(), make_error(errc::not_owner));
}

CAF_TEST_FIXTURE_SCOPE_END()
