#define CAF_SUITE call
// The call actor between stand-ins: sessions that keep what they are sent,
// both users' presence actors, the directory, the query store and the 1:1
// conversation that stores the record (it commits only when the test says
// so). Each step runs one message at a time; timers fire when the test
// advances the clock.
#include "fixture.hpp"

#include <nlohmann/json.hpp>

#include "actors/call.hpp"
#include "actors/call_messages.hpp"
#include "wire/call_frames.hpp"

using namespace parley;
using namespace parley::test;
using nlohmann::json;

namespace {

using commit_atom = caf::atom_constant<caf::atom("commit")>;

constexpr id64 alice = 1, bob = 2, carol = 3;
constexpr id64 call_id = 900, conversation_id = 77;

// What one device's session was told.
struct device_log {
  std::vector<wire::shared_text> frames;
  std::vector<std::string> errors; // wire codes of the call's answers
  int bound = 0;                   // callbind true minus false
};

// One field of a JSON text, as text (strings without their quotes).
std::string field_of(const std::string& text, const char* key) {
  auto value = json::parse(text).at(key);
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string field(const device_log& log, std::size_t i, const char* key) {
  return field_of(log.frames.at(i).str(), key);
}

std::vector<std::string> types_of(const device_log& log) {
  std::vector<std::string> types;
  for (auto& f : log.frames)
    types.push_back(json::parse(f.str())["type"]);
  return types;
}

// A device's session: writes the call's frames, and passes its device's
// frames to the call as the real session does (the call sees it as sender).
caf::behavior device_session(caf::event_based_actor* self, std::shared_ptr<device_log> log) {
  auto keep_error = [=](caf::error& err) { log->errors.push_back(wire_code(err)); };
  return {
    [=](deliver_atom, const wire::shared_text& frame) { log->frames.push_back(frame); },
    [=](callbind_atom, const call_summary&, bool bound) {
      if (bound && log->bound == 0)
        log->bound = 1;
      else if (!bound)
        log->bound = 0;
    },
    [=](call_atom, const caf::actor& call, call_request& req) {
      self->request(call, caf::infinite, call_atom::value, std::move(req))
        .then([](bool) {}, keep_error);
    },
    [=](call_atom, const caf::actor& call, call_input& in) {
      self->request(call, caf::infinite, call_atom::value, std::move(in))
        .then([](bool) {}, keep_error);
    },
  };
}

// Everything around the call, in one stand-in per role.
struct world {
  ring_reply callee_reply;             // what the callee's presence answers
  std::vector<std::string> states[2];  // callstate "state:reason", caller's and callee's
  bool refuse_offer = false;           // the query store answers `blocked`
  std::vector<outgoing_message> records;
  std::vector<caf::response_promise> uncommitted;
};

caf::behavior presence_standin(caf::event_based_actor* self, std::shared_ptr<world> w,
                               int which) {
  return {
    [=](callring_atom, const call_summary&) { return w->callee_reply; },
    [=](callstate_atom, const call_summary&, const std::string& state,
        const std::string& reason) { w->states[which].push_back(state + ":" + reason); },
  };
}

caf::behavior queries_standin(caf::event_based_actor*, std::shared_ptr<world> w) {
  return {[=](callcheck_atom, id64, id64) -> caf::result<bool> {
    if (w->refuse_offer)
      return make_error(errc::blocked);
    return true;
  }};
}

// The 1:1 conversation: keeps each record and its promise until commit_atom.
caf::behavior conversation_standin(caf::event_based_actor* self, std::shared_ptr<world> w) {
  return {
    [=](send_atom, const outgoing_message& msg) {
      w->records.push_back(msg);
      w->uncommitted.push_back(self->make_response_promise());
    },
    [=](commit_atom) {
      for (auto& rp : w->uncommitted)
        rp.deliver(ack_info{1, conversation_id, 5, unix_now_ms(), false});
      w->uncommitted.clear();
    },
  };
}

caf::behavior directory_standin(caf::event_based_actor*, caf::actor caller_presence,
                                caf::actor callee_presence, caf::actor conversation) {
  return {
    [=](presence_atom, id64 user) { return user == alice ? caller_presence : callee_presence; },
    [=](direct_atom, id64, id64) { return conversation_id; },
    [=](conv_atom, id64) { return conversation; },
  };
}

// Alice's device 11 calls Bob, whose devices 21 and 22 are connected.
struct call_fixture : fixture {
  std::shared_ptr<world> w = std::make_shared<world>();
  caf::actor conversation = sys.spawn(conversation_standin, w);
  caf::actor directory = sys.spawn(directory_standin, sys.spawn(presence_standin, w, 0),
                                   sys.spawn(presence_standin, w, 1), conversation);
  caf::actor queries = sys.spawn(queries_standin, w);
  caf::actor call = spawn_call(sys, ctx, directory, queries, caf::actor{});
  std::shared_ptr<device_log> caller = std::make_shared<device_log>();
  std::shared_ptr<device_log> bob1 = std::make_shared<device_log>();
  std::shared_ptr<device_log> bob2 = std::make_shared<device_log>();
  std::map<device_log*, std::pair<id64, caf::actor>> sessions; // device, session
  std::map<device_log*, id64> users;
  std::shared_ptr<bool> gone = std::make_shared<bool>(false); // the call actor left

  call_fixture() {
    for (auto& a : {conversation, directory, queries, call})
      stop_at_end.push_back(a);
    session_of(caller, alice, 11);
    w->callee_reply.devices = {21, 22};
    w->callee_reply.sessions = {session_of(bob1, bob, 21), session_of(bob2, bob, 22)};
    call->attach_functor([gone = gone] { *gone = true; });
  }

  caf::actor session_of(const std::shared_ptr<device_log>& log, id64 user, id64 device) {
    auto session = sys.spawn(device_session, log);
    stop_at_end.push_back(session);
    sessions[log.get()] = {device, session};
    users[log.get()] = user;
    return session;
  }

  void offer() {
    call_request req{call_id, alice, 11, bob, false, "offer-sdp", "\"c1\""};
    self->send(sessions[caller.get()].second, call_atom::value, call, std::move(req));
    run_messages();
  }

  void frame(const std::shared_ptr<device_log>& from, wire::call_op op, std::string payload = {}) {
    auto& [device, session] = sessions[from.get()];
    call_input in{static_cast<std::uint8_t>(op), users[from.get()], device, std::move(payload)};
    self->send(session, call_atom::value, call, std::move(in));
    run_messages();
  }

  void commit() {
    self->send(conversation, commit_atom::value);
    run_messages();
  }

  std::string record_field(const char* key) {
    return field_of(w->records.at(0).body.str(), key);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(call_tests, call_fixture)

CAF_TEST(an offer answers call created first then rings every device with one frame) {
  offer();
  CAF_REQUIRE_EQUAL(types_of(*caller), std::vector<std::string>{"call.created"});
  CAF_CHECK_EQUAL(field(*caller, 0, "ref"), "c1");
  CAF_CHECK_EQUAL(field(*caller, 0, "call_id"), "900");
  CAF_REQUIRE_EQUAL(types_of(*bob1), std::vector<std::string>{"call.incoming"});
  CAF_REQUIRE_EQUAL(types_of(*bob2), std::vector<std::string>{"call.incoming"});
  CAF_CHECK_EQUAL(field(*bob1, 0, "sdp"), "offer-sdp");
  // One frame in memory for every ringing device.
  CAF_CHECK_EQUAL(&bob1->frames[0].str(), &bob2->frames[0].str());
  CAF_CHECK_EQUAL(w->states[0], std::vector<std::string>{"ringing:"});
  CAF_CHECK_EQUAL(w->states[1], std::vector<std::string>{"ringing:"});
  // Each of them would hear if the call actor died.
  CAF_CHECK_EQUAL(caller->bound + bob1->bound + bob2->bound, 3);
}

CAF_TEST(the first answer wins and the record commits before call ended) {
  offer();
  frame(bob1, wire::call_op::answer, "answer-sdp");
  CAF_REQUIRE_EQUAL(types_of(*caller), (std::vector<std::string>{"call.created", "call.answer"}));
  CAF_CHECK_EQUAL(field(*caller, 1, "sdp"), "answer-sdp");
  CAF_REQUIRE_EQUAL(types_of(*bob2), (std::vector<std::string>{"call.incoming", "call.ended"}));
  CAF_CHECK_EQUAL(field(*bob2, 1, "reason"), "answered_elsewhere");
  CAF_CHECK_EQUAL(bob2->bound, 0);
  frame(bob2, wire::call_op::answer, "late");
  CAF_CHECK_EQUAL(bob2->errors, std::vector<std::string>{"call_already_answered"});

  frame(caller, wire::call_op::hangup);
  CAF_REQUIRE_EQUAL(w->records.size(), 1u);
  auto& record = w->records[0];
  CAF_CHECK_EQUAL(record.client_id, "call:900");
  CAF_CHECK(record.system);
  CAF_CHECK_EQUAL(record.sender, alice);
  CAF_CHECK_EQUAL(record.sender_device, 0u);
  CAF_CHECK_EQUAL(record.conversation, conversation_id);
  CAF_CHECK_EQUAL(record_field("result"), "answered");
  // Not yet committed: Bob's device has not been told.
  CAF_CHECK_EQUAL(bob1->frames.size(), 1u);
  CAF_CHECK(!*gone);
  commit();
  CAF_REQUIRE_EQUAL(types_of(*bob1), (std::vector<std::string>{"call.incoming", "call.ended"}));
  CAF_CHECK_EQUAL(field(*bob1, 1, "reason"), "hangup");
  CAF_CHECK_EQUAL(caller->frames.size(), 2u); // the one who hung up is not told
  CAF_CHECK_EQUAL(caller->bound + bob1->bound, 0);
  CAF_CHECK_EQUAL(w->states[1].back(), "ended:hangup");
  CAF_CHECK(*gone);
}

CAF_TEST(a record the database does not take in 3 s lets call ended go out) {
  offer();
  frame(bob2, wire::call_op::reject);
  CAF_REQUIRE_EQUAL(w->records.size(), 1u);
  CAF_CHECK_EQUAL(record_field("result"), "rejected");
  CAF_CHECK_EQUAL(caller->frames.size(), 1u);
  sched.advance_time(ctx->call_record_wait);
  run_messages();
  CAF_REQUIRE_EQUAL(types_of(*caller), (std::vector<std::string>{"call.created", "call.ended"}));
  CAF_CHECK_EQUAL(field(*caller, 1, "reason"), "rejected");
  CAF_CHECK_EQUAL(field(*bob1, 1, "reason"), "rejected_elsewhere");
  CAF_CHECK_EQUAL(bob2->frames.size(), 1u);
  // The record is still this actor's to finish; then it leaves, once.
  CAF_CHECK(!*gone);
  commit();
  CAF_CHECK(*gone);
  CAF_CHECK_EQUAL(caller->frames.size(), 2u);
}

CAF_TEST(nobody answers: the ring timeout makes a missed call for everyone) {
  offer();
  sched.advance_time(ctx->call_ring_timeout);
  run_messages();
  CAF_REQUIRE_EQUAL(w->records.size(), 1u);
  CAF_CHECK_EQUAL(record_field("result"), "missed");
  CAF_CHECK_EQUAL(record_field("duration_ms"), "0");
  commit();
  for (auto* log : {caller.get(), bob1.get(), bob2.get()}) {
    CAF_REQUIRE_EQUAL(log->frames.size(), 2u);
    CAF_CHECK_EQUAL(field(*log, 1, "reason"), "timeout");
  }
  CAF_CHECK(*gone);
}

CAF_TEST(a busy callee: only the caller is told and nothing rings) {
  w->callee_reply = ring_reply{true, {}, {}};
  offer();
  CAF_REQUIRE_EQUAL(w->records.size(), 1u);
  CAF_CHECK_EQUAL(record_field("result"), "busy");
  commit();
  CAF_REQUIRE_EQUAL(types_of(*caller), (std::vector<std::string>{"call.created", "call.ended"}));
  CAF_CHECK_EQUAL(field(*caller, 1, "reason"), "busy");
  CAF_CHECK(bob1->frames.empty() && bob2->frames.empty());
}

CAF_TEST(a refused offer answers its error writes nothing and leaves) {
  w->refuse_offer = true;
  offer();
  CAF_CHECK_EQUAL(caller->errors, std::vector<std::string>{"blocked"});
  CAF_CHECK(caller->frames.empty() && bob1->frames.empty());
  CAF_CHECK(w->records.empty());
  CAF_CHECK(w->states[1].empty());
  CAF_CHECK(*gone);
}

CAF_TEST(a device that connects while it rings gets the offer then the candidates) {
  offer();
  frame(caller, wire::call_op::ice, "candidate-1");
  CAF_CHECK_EQUAL(field(*bob1, 1, "candidate"), "candidate-1");
  auto bob3 = std::make_shared<device_log>();
  self->send(call, calljoin_atom::value, id64{23}, session_of(bob3, bob, 23));
  run_messages();
  CAF_REQUIRE_EQUAL(types_of(*bob3), (std::vector<std::string>{"call.incoming", "call.ice"}));
  CAF_CHECK_EQUAL(field(*bob3, 1, "candidate"), "candidate-1");
  frame(bob3, wire::call_op::answer, "from-the-late-one");
  CAF_CHECK_EQUAL(field(*caller, 1, "from_device"), "23");
}

CAF_TEST(outsiders get no such call and the call goes on) {
  offer();
  auto stranger = std::make_shared<device_log>();
  session_of(stranger, carol, 31);
  frame(stranger, wire::call_op::hangup);
  CAF_CHECK_EQUAL(stranger->errors, std::vector<std::string>{"no_such_call"});
  CAF_CHECK(stranger->frames.empty());
  CAF_CHECK(w->records.empty());
  frame(bob1, wire::call_op::answer, "answer-sdp");
  CAF_CHECK_EQUAL(types_of(*caller).back(), "call.answer");
}

CAF_TEST(a ringing device that disconnects stops ringing and the call goes on) {
  offer();
  anon_send_exit(sessions[bob1.get()].second, caf::exit_reason::user_shutdown);
  run_messages();
  CAF_CHECK(w->records.empty());
  frame(bob2, wire::call_op::answer, "answer-sdp");
  CAF_CHECK_EQUAL(field(*caller, 1, "from_device"), "22");
}

CAF_TEST_FIXTURE_SCOPE_END()
