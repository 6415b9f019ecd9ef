#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "actors/call_machine.hpp"
#include "actors/offer_book.hpp"

using namespace parley;
using namespace parley::calls;
using wire::call_op;
using nlohmann::json;

namespace {

// Alice (user 1, device 11, connection 100) calls Bob (user 2): devices
// 21 and 22 on connections 201 and 202.
constexpr id64 alice = 1, bob = 2, carol = 3;
constexpr conn_id a_conn = 100, b1 = 201, b2 = 202;
const sender alice_dev{alice, 11, a_conn};
const sender bob1{bob, 21, b1};
const sender bob2{bob, 22, b2};

call_machine ringing_call(std::int64_t grace = 10000) {
  call_machine m{{900, alice, 11, a_conn, bob, false, "offer-sdp", 1000}, grace};
  auto s = m.ring({{21, b1}, {22, b2}});
  REQUIRE(s.frames.size() == 1);
  CHECK(s.frames[0].to == std::vector<conn_id>{b1, b2});
  CHECK(json::parse(s.frames[0].frame.str())["type"] == "call.incoming");
  return m;
}

call_machine answered_call(std::int64_t grace = 10000) {
  auto m = ringing_call(grace);
  REQUIRE_FALSE(m.frame(bob1, call_op::answer, "answer-sdp", 5000).error);
  return m;
}

std::string type_of(const delivery& d) {
  return json::parse(d.frame.str())["type"];
}

std::string reason_of(const delivery& d) {
  return json::parse(d.frame.str())["reason"];
}

bool has_notice(const ending& e, conn_id to, reason why) {
  for (auto& n : e.notices)
    if (n.to == to && n.why == why)
      return true;
  return false;
}

} // namespace

TEST_CASE("the first answer wins; the other devices stop ringing") {
  auto m = ringing_call();
  auto s = m.frame(bob1, call_op::answer, "answer-sdp", 5000);
  REQUIRE_FALSE(s.error);
  CHECK(s.answered);
  REQUIRE(s.frames.size() == 2);
  CHECK(s.frames[0].to == std::vector<conn_id>{a_conn});
  CHECK(type_of(s.frames[0]) == "call.answer");
  CHECK(json::parse(s.frames[0].frame.str())["from_device"] == "21");
  CHECK(s.frames[1].to == std::vector<conn_id>{b2});
  CHECK(reason_of(s.frames[1]) == "answered_elsewhere");
  CHECK(m.state() == phase::answered);
  CHECK(m.connections() == std::vector<conn_id>{a_conn, b1});
  CHECK(m.frame(bob2, call_op::answer, "x", 5001).error == errc::call_already_answered);
  CHECK(m.frame(bob1, call_op::reject, "", 5001).error == errc::call_already_answered);
  CHECK(m.frame(bob2, call_op::ice, "c", 5001).error == errc::no_such_call);
}

TEST_CASE("a reject tells the caller and the other devices") {
  auto m = ringing_call();
  auto s = m.frame(bob2, call_op::reject, "", 2000);
  REQUIRE(s.end);
  CHECK(s.end->res == result::rejected);
  CHECK(has_notice(*s.end, a_conn, reason::rejected));
  CHECK(has_notice(*s.end, b1, reason::rejected_elsewhere));
  CHECK(s.end->notices.size() == 2); // none to the device that rejected
  CHECK(m.frame(bob1, call_op::answer, "x", 2001).error == errc::no_such_call);
}

TEST_CASE("a callee's hangup while it rings is a reject") {
  auto m = ringing_call();
  auto s = m.frame(bob1, call_op::hangup, "", 2000);
  REQUIRE(s.end);
  CHECK(s.end->res == result::rejected);
}

TEST_CASE("the caller's hangup, or its connection closing, cancels a ringing call") {
  auto m = ringing_call();
  auto s = m.frame(alice_dev, call_op::hangup, "", 2000);
  REQUIRE(s.end);
  CHECK(s.end->res == result::cancelled);
  CHECK(s.end->for_caller == reason::cancelled);
  CHECK(has_notice(*s.end, b1, reason::cancelled));
  CHECK(has_notice(*s.end, b2, reason::cancelled));
  CHECK(s.end->notices.size() == 2);

  auto m2 = ringing_call();
  auto closed = m2.closed(a_conn, 2000);
  REQUIRE(closed.end);
  CHECK(closed.end->res == result::cancelled);
}

TEST_CASE("hangup after the answer: answered, with its duration") {
  auto m = answered_call();
  auto s = m.frame(bob1, call_op::hangup, "", 66500);
  REQUIRE(s.end);
  CHECK(s.end->res == result::answered);
  CHECK(s.end->duration_ms == 61500);
  CHECK(s.end->notices.size() == 1);
  CHECK(has_notice(*s.end, a_conn, reason::hangup));

  auto m2 = answered_call();
  auto by_caller = m2.frame(alice_dev, call_op::hangup, "", 6000);
  REQUIRE(by_caller.end);
  CHECK(has_notice(*by_caller.end, b1, reason::hangup));
  CHECK(by_caller.end->for_caller == reason::hangup);
}

TEST_CASE("the ring timeout: missed, both sides told") {
  auto m = ringing_call();
  auto s = m.ring_timeout();
  REQUIRE(s.end);
  CHECK(s.end->res == result::missed);
  CHECK(has_notice(*s.end, a_conn, reason::timeout));
  CHECK(has_notice(*s.end, b1, reason::timeout));
  CHECK(has_notice(*s.end, b2, reason::timeout));
  CHECK_FALSE(answered_call().ring_timeout().end);
}

TEST_CASE("a device that connects while it rings gets the offer, then the candidates") {
  auto m = ringing_call();
  REQUIRE(m.frame(alice_dev, call_op::ice, "cand-1", 1100).frames.size() == 1);
  REQUIRE_FALSE(m.frame(alice_dev, call_op::ice, "cand-2", 1200).error);
  conn_id late = 203;
  auto s = m.ring({{23, late}});
  REQUIRE(s.frames.size() == 3);
  CHECK(type_of(s.frames[0]) == "call.incoming");
  CHECK(json::parse(s.frames[1].frame.str())["candidate"] == "cand-1");
  CHECK(json::parse(s.frames[2].frame.str())["candidate"] == "cand-2");
  for (auto& f : s.frames)
    CHECK(f.to == std::vector<conn_id>{late});
  CHECK(m.ring({{23, late}}).frames.empty()); // rings once per connection
}

TEST_CASE("a ringing device that disconnects stops ringing; the call goes on") {
  auto m = ringing_call();
  CHECK_FALSE(m.closed(b2, 1500).end);
  CHECK(m.connections() == std::vector<conn_id>{a_conn, b1});
  auto s = m.frame(alice_dev, call_op::ice, "c", 1600);
  REQUIRE(s.frames.size() == 1);
  CHECK(s.frames[0].to == std::vector<conn_id>{b1});
}

TEST_CASE("frames before the answer that need one") {
  auto m = ringing_call();
  CHECK(m.frame(bob1, call_op::ice, "c", 1100).error == errc::call_not_answered);
  CHECK(m.frame(bob1, call_op::update, "s", 1100).error == errc::call_not_answered);
  CHECK(m.frame(alice_dev, call_op::update, "s", 1100).error == errc::call_not_answered);
  CHECK(m.frame(alice_dev, call_op::resume, "", 1100).error == errc::call_not_answered);
  CHECK(m.frame(bob2, call_op::resume, "", 1100).error == errc::call_not_answered);
}

TEST_CASE("outsiders and the caller's other devices get no_such_call") {
  auto m = ringing_call();
  sender outsider{carol, 31, 300};
  sender alice_phone{alice, 12, 101};
  for (auto op : {call_op::answer, call_op::reject, call_op::hangup, call_op::ice,
                  call_op::update, call_op::resume})
    CHECK(m.frame(outsider, op, "x", 1100).error == errc::no_such_call);
  CHECK(m.frame(alice_phone, call_op::hangup, "", 1100).error == errc::no_such_call);
  CHECK(m.frame(alice_phone, call_op::answer, "x", 1100).error == errc::no_such_call);
  CHECK(m.state() == phase::ringing);
}

TEST_CASE("more than 100 caller candidates before the answer are refused") {
  auto m = ringing_call();
  for (int i = 0; i < 100; ++i)
    REQUIRE_FALSE(m.frame(alice_dev, call_op::ice, "c", 1100).error);
  CHECK(m.frame(alice_dev, call_op::ice, "c", 1100).error == errc::rate_limited);
}

TEST_CASE("answered: candidates and updates go to the other party only") {
  auto m = answered_call();
  auto s = m.frame(alice_dev, call_op::update, "new-sdp", 6000);
  REQUIRE(s.frames.size() == 1);
  CHECK(s.frames[0].to == std::vector<conn_id>{b1});
  CHECK(type_of(s.frames[0]) == "call.update");
  auto back = m.frame(bob1, call_op::ice, "c", 6000);
  REQUIRE(back.frames.size() == 1);
  CHECK(back.frames[0].to == std::vector<conn_id>{a_conn});
}

TEST_CASE("a party that disconnects has the grace to resume, on any connection") {
  auto m = answered_call(10000);
  CHECK_FALSE(m.closed(b1, 7000).end);
  CHECK(m.grace_deadline() == 17000);
  // While in grace its frames are dropped.
  CHECK(m.frame(alice_dev, call_op::ice, "c", 7100).frames.empty());
  sender bob1_again{bob, 21, 250};
  auto s = m.frame(bob1_again, call_op::resume, "", 8000);
  REQUIRE(s.frames.size() == 1);
  CHECK(s.frames[0].to == std::vector<conn_id>{250});
  CHECK(type_of(s.frames[0]) == "call.resumed");
  CHECK_FALSE(m.grace_deadline());
  CHECK(m.frame(alice_dev, call_op::ice, "c", 8100).frames[0].to == std::vector<conn_id>{250});
  // Another of Bob's devices cannot take it.
  CHECK(m.frame(bob2, call_op::resume, "", 8100).error == errc::no_such_call);
}

TEST_CASE("a resume on a connected party moves the call to the new connection") {
  auto m = answered_call();
  sender alice_new{alice, 11, 150};
  REQUIRE_FALSE(m.frame(alice_new, call_op::resume, "", 6000).error);
  CHECK(m.frame(alice_dev, call_op::ice, "c", 6100).error == errc::no_such_call);
  CHECK(m.connections() == std::vector<conn_id>{150, b1});
}

TEST_CASE("the grace passing ends the call; its duration ends at the disconnect") {
  auto m = answered_call(10000);
  m.closed(a_conn, 35000);
  CHECK_FALSE(m.grace_passed(44999).end);
  auto s = m.grace_passed(45000);
  REQUIRE(s.end);
  CHECK(s.end->res == result::answered);
  CHECK(s.end->duration_ms == 30000);
  CHECK(has_notice(*s.end, b1, reason::disconnected));
  CHECK(s.end->notices.size() == 1);
}

TEST_CASE("with both parties in grace the first grace to pass ends it") {
  auto m = answered_call(10000);
  m.closed(b1, 7000);
  m.closed(a_conn, 9000);
  auto s = m.grace_passed(17000);
  REQUIRE(s.end);
  CHECK(s.end->duration_ms == 2000);
  CHECK(s.end->notices.empty());
}

TEST_CASE("busy: the caller alone is told; nothing rings") {
  call_machine m{{900, alice, 11, a_conn, bob, true, "sdp", 1000}, 10000};
  auto s = m.busy();
  REQUIRE(s.end);
  CHECK(s.end->res == result::busy);
  CHECK(s.end->notices.size() == 1);
  CHECK(has_notice(*s.end, a_conn, reason::busy));
}

TEST_CASE("a dead call actor: answered up to the failure, else missed") {
  auto ringing = ringing_call();
  auto f = failed_call(ringing.answered_ts(), 3000);
  CHECK(f.res == result::missed);
  CHECK(f.duration_ms == 0);
  CHECK(ringing.connections().size() == 3); // the caller and both ringing devices say failed
  auto answered = answered_call();
  auto g = failed_call(answered.answered_ts(), 9000);
  CHECK(g.res == result::answered);
  CHECK(g.duration_ms == 4000);
  CHECK(answered.connections().size() == 2); // the two parties
}

TEST_CASE("an ended call answers no_such_call to everyone") {
  auto m = ringing_call();
  m.ring_timeout();
  CHECK(m.frame(alice_dev, call_op::hangup, "", 1).error == errc::no_such_call);
  CHECK(m.frame(bob1, call_op::answer, "x", 1).error == errc::no_such_call);
  CHECK(m.connections().empty());
}

TEST_CASE("offers: 10 a minute per device, resends free, refused CIDs reusable") {
  offer_book book;
  for (int i = 0; i < 10; ++i)
    CHECK(book.offer(11, "c" + std::to_string(i), 100 + i, 1000).kind
          == offer_book::verdict::fresh);
  CHECK(book.offer(11, "c10", 110, 1000).kind == offer_book::verdict::limited);
  auto again = book.offer(11, "c3", 999, 1000);
  CHECK(again.kind == offer_book::verdict::known);
  CHECK(again.call_id == 103);
  CHECK(book.offer(12, "c10", 120, 1000).kind == offer_book::verdict::fresh); // another device
  CHECK(book.offer(11, "c11", 111, 61001).kind == offer_book::verdict::fresh);
  book.refused(11, "c11");
  CHECK(book.offer(11, "c11", 112, 61002).call_id == 112);
}

TEST_CASE("offers: an ended call's CID answers its end for 10 minutes") {
  offer_book book;
  book.offer(11, "x", 500, 0);
  book.ended(500, "cancelled", 1000);
  auto a = book.offer(11, "x", 501, 2000);
  CHECK(a.kind == offer_book::verdict::known);
  CHECK(a.ended == "cancelled");
  CHECK_FALSE(book.expire(1000 + cid_memory_ms - 1));
  CHECK(book.expire(1000 + cid_memory_ms));
  CHECK(book.offer(11, "x", 502, 1000 + cid_memory_ms).kind == offer_book::verdict::fresh);
}
