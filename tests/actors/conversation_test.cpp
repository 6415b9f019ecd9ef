#define CAF_SUITE conversation
#include "fixture.hpp"

#include "actors/conversation.hpp"

using namespace parley;
using namespace parley::test;

namespace {

// A directory that routes nothing itself: a conversation's fan-out reaches
// it as route_atom, is recorded per user, and is answered with no presence
// actors (so every frame keeps coming here).
caf::behavior recording_directory(caf::stateful_actor<fanout_log_state>* self) {
  return {
    [=](route_atom, const std::vector<id64>& users, const caf::message& deliver) {
      for (auto user : users)
        self->state.frames[user].push_back(deliver.get_as<wire::device_frames>(2).shared().str());
      return std::vector<caf::actor>(users.size());
    },
    [=](contacts_atom, const std::vector<id64>&) {},
    [=](retire_atom, id64) { return true; },
  };
}

struct conversation_fixture : fixture {
  static constexpr id64 conv = 77;
  caf::actor directory;
  caf::actor actor;

  conversation_fixture() {
    directory = sys.spawn(recording_directory);
    stored().conversations[conv] = make_conversation("group", {1, 2, 3});
    actor = spawn_conversation(sys, ctx, directory, store, conv);
    stop_at_end.push_back(directory);
    stop_at_end.push_back(actor);
  }

  outgoing_message from(id64 user, std::string client_id, std::string body = "hi") {
    return {conv, user, user * 10, std::move(client_id), wire::shared_text{std::move(body)}, {}};
  }

  std::vector<std::string> frames_for(id64 user) {
    return deref<caf::stateful_actor<fanout_log_state>>(directory).state.frames[user];
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(conversation_tests, conversation_fixture)

CAF_TEST(sends get increasing seqs in the order they arrive) {
  auto a = self->request(actor, caf::infinite, send_atom::value, from(1, "\"a\""));
  auto b = self->request(actor, caf::infinite, send_atom::value, from(2, "\"b\""));
  auto c = self->request(actor, caf::infinite, send_atom::value, from(1, "\"c\""));
  // The first send loads the conversation; the others wait for it.
  expect((send_atom, outgoing_message), from(self).to(actor));
  expect((load_atom, id64), from(actor).to(store).with(_, conv));
  run_messages();
  auto acks = std::vector<caf::expected<ack_info>>{answer<ack_info>(a), answer<ack_info>(b),
                                                   answer<ack_info>(c)};
  for (std::size_t i = 0; i < acks.size(); ++i) {
    CAF_REQUIRE(acks[i]);
    CAF_CHECK_EQUAL(acks[i]->seq, static_cast<std::int64_t>(i + 1));
  }
  CAF_CHECK_EQUAL(stored().log, (std::vector<std::string>{"load", "persist 77:1",
                                                          "persist 77:2", "persist 77:3"}));
  // Each message reached every member, in seq order.
  auto got = frames_for(3);
  CAF_REQUIRE_EQUAL(got.size(), 3u);
  CAF_CHECK(got[0].find("\"seq\":1") != std::string::npos);
  CAF_CHECK(got[2].find("\"seq\":3") != std::string::npos);
}

CAF_TEST(a retried client id is acked with the stored message once) {
  auto first = self->request(actor, caf::infinite, send_atom::value, from(1, "\"x\""));
  run_messages();
  auto again = self->request(actor, caf::infinite, send_atom::value, from(1, "\"x\""));
  run_messages();
  auto a = answer<ack_info>(first);
  auto b = answer<ack_info>(again);
  CAF_REQUIRE(a && b);
  CAF_CHECK_EQUAL(a->msg_id, b->msg_id);
  CAF_CHECK_EQUAL(a->seq, b->seq);
  CAF_CHECK_EQUAL(stored().messages.size(), 1u);
}

CAF_TEST(a seq another owner committed makes the conversation reload and retry) {
  auto first = self->request(actor, caf::infinite, send_atom::value, from(1, "\"a\""));
  run_messages();
  CAF_REQUIRE(answer<ack_info>(first));
  // Another node, owning this conversation for a moment, commits seq 2.
  wire::stored_message stolen{9001, conv, 2, 3, 30, 0,
                              wire::shared_text{"from the other owner"}, false};
  stored().messages.emplace(std::make_pair(conv, std::int64_t{2}), stolen);
  auto next = self->request(actor, caf::infinite, send_atom::value, from(2, "\"b\""));
  expect((send_atom, outgoing_message), from(self).to(actor));
  expect((persist_atom, message_record), from(actor).to(store));
  // Refused: the conversation reads the conversation again, then takes seq 3.
  run_messages();
  auto ack = answer<ack_info>(next);
  CAF_REQUIRE(ack);
  CAF_CHECK_EQUAL(ack->seq, 3);
  CAF_CHECK_EQUAL(stored().log, (std::vector<std::string>{"load", "persist 77:1",
                                                          "persist 77:2", "load",
                                                          "persist 77:3"}));
}

CAF_TEST(a send waits behind a membership change and sees its outcome) {
  // The admin removes user 2; user 2's send arrives before that commits.
  auto removal = self->request(actor, caf::infinite, members_atom::value,
                               membership_change{1, false, {2}});
  auto send = self->request(actor, caf::infinite, send_atom::value, from(2, "\"late\""));
  auto other = self->request(actor, caf::infinite, send_atom::value, from(3, "\"ok\""));
  run_messages();
  auto change = answer<ack_info>(removal);
  CAF_REQUIRE(change);
  CAF_CHECK_EQUAL(change->seq, 1);
  auto refused = answer<ack_info>(send);
  CAF_REQUIRE(!refused);
  CAF_CHECK_EQUAL(refused.error(), make_error(errc::not_a_member));
  auto ok = answer<ack_info>(other);
  CAF_REQUIRE(ok);
  CAF_CHECK_EQUAL(ok->seq, 2);
  CAF_CHECK_EQUAL(stored().log,
                  (std::vector<std::string>{"load", "members 77:1", "persist 77:2"}));
  // The removed member saw their removal, and nothing after it.
  CAF_CHECK_EQUAL(frames_for(2).size(), 1u);
  CAF_CHECK_EQUAL(frames_for(3).size(), 2u);
}

CAF_TEST_FIXTURE_SCOPE_END()
