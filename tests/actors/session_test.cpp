#define CAF_SUITE session
#include "fixture.hpp"

#include "actors/conversation.hpp"
#include "actors/delivery_messages.hpp"
#include "actors/fault_notices.hpp"
#include "actors/session.hpp"
#include "wire/json_out.hpp"
#include "wire/ws_link.hpp"

using namespace parley;
using namespace parley::test;

namespace {

struct directory_stub_state {
  caf::actor store;
  context_ptr ctx;
  std::map<id64, caf::actor> conversations;
  caf::actor presence;
  caf::actor session; // the one that attached
  int conversation_lookups = 0;
  bool kill_next = false; // the next conversation dies before it sees a send
  static inline const char* name = "directory_stub";
};

// What a session needs of the directory: a presence actor to attach to,
// the direct conversation of a pair (asked of the store, one hop further,
// as the real directory does), and real conversation actors over the
// in-memory store, spawned on first use.
caf::behavior directory_stub(caf::stateful_actor<directory_stub_state>* self,
                             caf::actor store, context_ptr ctx) {
  self->state.store = store;
  self->state.ctx = ctx;
  self->state.presence = self->spawn<caf::linked>([](caf::event_based_actor* presence) {
    presence->set_default_handler(caf::drop);
    return caf::behavior{[](offline_atom, id64, std::int64_t) {}};
  });
  return {
    [=](online_atom, id64, id64, const caf::actor& session) {
      self->state.session = session;
      return self->state.presence;
    },
    [=](direct_atom, id64 user, id64 peer) -> caf::result<id64> {
      auto rp = self->make_response_promise<id64>();
      self->request(self->state.store, caf::infinite, direct_atom::value, user, peer)
        .then([=](id64 conv, bool) mutable { rp.deliver(conv); });
      return rp;
    },
    [=](conv_atom, id64 conv) {
      auto& st = self->state;
      ++st.conversation_lookups;
      auto& actor = st.conversations[conv];
      if (!actor) {
        actor = spawn_conversation(self->system(), st.ctx, caf::actor{self}, st.store, conv);
        self->link_to(actor); // stopped with the stub at the end of a test
      }
      auto found = actor;
      if (st.kill_next) {
        st.kill_next = false;
        self->send_exit(found, caf::exit_reason::kill); // before the session's send
        st.conversations.erase(conv);
      }
      return found;
    },
    [=](route_atom, const std::vector<id64>& users, const caf::message&) {
      return std::vector<caf::actor>(users.size());
    },
    [=](contacts_atom, const std::vector<id64>&) {},
    [=](retire_atom, id64) { return true; },
  };
}

struct session_fixture : fixture {
  caf::actor directory;
  std::shared_ptr<recorded_link> link = std::make_shared<recorded_link>();
  wire::ws_handlers handlers;

  session_fixture() {
    stored().tokens["t1"] = identity{1, 10};
    directory = sys.spawn(directory_stub, store, ctx);
    handlers = start_session(sys, ctx, directory, store, link);
    stop_at_end.push_back(directory);
  }

  ~session_fixture() override {
    handlers.on_closed(); // the socket closed: the session ends
    sched.run();
  }

  directory_stub_state& dir() {
    return deref<caf::stateful_actor<directory_stub_state>>(directory).state;
  }

  // A message of user 2's device 20 in conversation 1000, stored, and
  // what its conversation actor would send to this session's presence.
  std::pair<wire::shared_text, push_note> stored_message(std::int64_t seq,
                                                         std::int64_t prev_ts) {
    wire::stored_message m{9000 + static_cast<id64>(seq), 1000, seq, 2, 20, unix_now_ms(),
                           wire::shared_text{"body " + std::to_string(seq)}};
    stored().messages[{1000, seq}] = m;
    return {wire::shared_text{wire::message_frame(m)},
            push_note{1000, m.msg_id, seq, 2, m.ts, prev_ts}};
  }

  void deliver(const std::pair<wire::shared_text, push_note>& message) {
    self->send(dir().session, deliver_atom::value, wire::device_frames{message.first},
               message.second);
  }

  // The bodies of the message frames the client got, in order.
  std::vector<std::string> bodies() {
    std::vector<std::string> out;
    for (auto& f : link->shared)
      if (auto at = f.str().find("\"body\":\""); at != std::string::npos)
        out.push_back(f.str().substr(at + 8, f.str().find('"', at + 8) - at - 8));
    return out;
  }

  // The frames the client got whose text contains `part`.
  std::vector<std::string> received(const std::string& part) {
    std::vector<std::string> out;
    for (auto& f : link->frames)
      if (f.find(part) != std::string::npos)
        out.push_back(f);
    return out;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(session_tests, session_fixture)

CAF_TEST(frames behind a lookup wait so that the sends of a device keep their order) {
  // The first send needs the pair's conversation (two hops: directory and
  // store), the second names it: it must still be sent second.
  stored().direct_pairs[{1, 2}] = 1000;
  stored().conversations[1000] = make_conversation("direct", {1, 2});
  handlers.on_frame(R"({"type":"auth","token":"t1"})");
  handlers.on_frame(R"({"type":"send","id":"first","to":"2","body":"one"})");
  handlers.on_frame(R"({"type":"send","id":"second","conversation":"1000","body":"two"})");
  run_messages();
  auto acks = received("\"type\":\"ack\"");
  CAF_REQUIRE_EQUAL(acks.size(), 2u);
  CAF_CHECK(acks[0].find("\"id\":\"first\"") != std::string::npos);
  CAF_CHECK(acks[0].find("\"seq\":1") != std::string::npos);
  CAF_CHECK(acks[1].find("\"id\":\"second\"") != std::string::npos);
  CAF_CHECK(acks[1].find("\"seq\":2") != std::string::npos);
  CAF_CHECK_EQUAL(received("\"type\":\"ready\"").size(), 1u);
  CAF_CHECK_EQUAL(dir().conversation_lookups, 1); // the actor is cached
}

CAF_TEST(a send whose conversation actor died is issued again and acked once) {
  stored().conversations[1000] = make_conversation("direct", {1, 2});
  handlers.on_frame(R"({"type":"auth","token":"t1"})");
  run_messages();
  // The conversation the directory names dies before it sees the send.
  dir().kill_next = true;
  handlers.on_frame(R"({"type":"send","id":"m","conversation":"1000","body":"hello"})");
  run_messages();
  auto acks = received("\"type\":\"ack\"");
  CAF_REQUIRE_EQUAL(acks.size(), 1u);
  CAF_CHECK(acks[0].find("\"id\":\"m\"") != std::string::npos);
  CAF_CHECK_EQUAL(received("\"type\":\"error\"").size(), 0u);
  CAF_CHECK_EQUAL(dir().conversation_lookups, 2); // asked again after the down
  CAF_CHECK_EQUAL(stored().messages.size(), 1u);
}

CAF_TEST(a made-up or foreign conversation id is refused before any actor is spawned) {
  stored().conversations[1000] = make_conversation("direct", {2, 3}); // not user 1's
  handlers.on_frame(R"({"type":"auth","token":"t1"})");
  handlers.on_frame(R"({"type":"send","id":"a","conversation":"424242","body":"x"})");
  handlers.on_frame(R"({"type":"send","id":"b","conversation":"1000","body":"x"})");
  handlers.on_frame(R"({"type":"typing","conversation":"777"})");
  run_messages();
  CAF_CHECK_EQUAL(received("\"code\":\"no_such_conversation\"").size(), 2u);
  CAF_CHECK_EQUAL(received("\"code\":\"not_a_member\"").size(), 1u);
  CAF_CHECK_EQUAL(dir().conversation_lookups, 0); // no actor spawned, no load queued
  auto& log = stored().log;
  CAF_CHECK(std::find(log.begin(), log.end(), "load") == log.end());
  CAF_CHECK(stored().messages.empty());
}

CAF_TEST(a frame before auth is answered and a bad token closes the session) {
  handlers.on_frame(R"({"type":"auth","token":"nope"})");
  run_messages();
  CAF_CHECK_EQUAL(received("\"code\":\"unauthorized\"").size(), 1u);
  CAF_CHECK_EQUAL(link->closed_with, wire::close_code::unauthorized);
}

CAF_TEST(a message frame after a gap waits until the gap is read from the store) {
  stored().conversations[1000] = make_conversation("direct", {1, 2});
  handlers.on_frame(R"({"type":"auth","token":"t1"})");
  run_messages();
  auto first = stored_message(1, 0);
  auto lost = stored_message(2, first.second.ts);
  auto third = stored_message(3, lost.second.ts);
  deliver(first);
  deliver(third); // the frame of seq 2 died on the way
  deliver(third);
  run_messages();
  CAF_CHECK_EQUAL(bodies(), (std::vector<std::string>{"body 1", "body 2", "body 3"}));
  auto& log = stored().log;
  CAF_CHECK(std::find(log.begin(), log.end(), "gap 1000:1-3") != log.end());
  deliver(lost); // late: a repeat
  run_messages();
  CAF_CHECK_EQUAL(bodies().size(), 3u);
}

CAF_TEST(a fault notice sends what was committed after the last frame) {
  stored().conversations[1000] = make_conversation("direct", {1, 2});
  handlers.on_frame(R"({"type":"auth","token":"t1"})");
  run_messages();
  auto first = stored_message(1, 0);
  deliver(first);
  run_messages();
  auto lost = stored_message(2, first.second.ts); // its only frame died
  self->send(fault_notices(sys), recover_atom::value);
  run_messages();
  CAF_CHECK_EQUAL(bodies(), (std::vector<std::string>{"body 1", "body 2"}));
  deliver(lost);
  run_messages();
  CAF_CHECK_EQUAL(bodies().size(), 2u);
}

CAF_TEST(the first frame of a conversation whose predecessor was live is checked) {
  stored().conversations[1000] = make_conversation("direct", {1, 2});
  handlers.on_frame(R"({"type":"auth","token":"t1"})");
  run_messages();
  auto lost = stored_message(1, 0);
  deliver(stored_message(2, lost.second.ts));
  run_messages();
  CAF_CHECK_EQUAL(bodies(), (std::vector<std::string>{"body 1", "body 2"}));
}

CAF_TEST_FIXTURE_SCOPE_END()
