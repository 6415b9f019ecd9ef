#include <catch2/catch.hpp>

#include <variant>

#include "actors/group_rules.hpp"

using namespace parley;

namespace {

// A group of `members` (ids 1..n, joined in that order); `admins` of them.
conversation_info group(std::vector<id64> members, std::vector<id64> admins) {
  conversation_info info;
  info.kind = "group";
  for (auto m : members) {
    member_info mi;
    mi.user_id = m;
    mi.admin = std::find(admins.begin(), admins.end(), m) != admins.end();
    info.members.push_back(mi);
  }
  return info;
}

errc refusal(const std::variant<membership_plan, errc>& planned) {
  REQUIRE(std::holds_alternative<errc>(planned));
  return std::get<errc>(planned);
}

membership_plan plan(const std::variant<membership_plan, errc>& planned) {
  REQUIRE(std::holds_alternative<membership_plan>(planned));
  return std::get<membership_plan>(planned);
}

} // namespace

TEST_CASE("only an admin adds members, and never past the size limit", "[group_rules]") {
  auto info = group({1, 2, 3}, {1});
  CHECK(refusal(plan_change(info, {2, true, {4}}, 10)) == errc::not_admin);
  CHECK(refusal(plan_change(info, {9, true, {4}}, 10)) == errc::not_a_member);
  CHECK(refusal(plan_change(info, {1, true, {3}}, 10)) == errc::already_member);
  CHECK(refusal(plan_change(info, {1, true, {4, 5}}, 4)) == errc::too_many_members);
  auto added = plan(plan_change(info, {1, true, {4, 5}}, 5));
  CHECK(added.added == std::vector<id64>{4, 5});
  CHECK(added.removed.empty());
  CHECK(std::string{added.event} == "added");
}

TEST_CASE("a member leaves; only an admin removes others", "[group_rules]") {
  auto info = group({1, 2, 3}, {1});
  CHECK(refusal(plan_change(info, {2, false, {3}}, 10)) == errc::not_admin);
  CHECK(refusal(plan_change(info, {1, false, {7}}, 10)) == errc::no_such_member);
  auto left = plan(plan_change(info, {2, false, {2}}, 10));
  CHECK(left.removed == std::vector<id64>{2});
  CHECK(std::string{left.event} == "left");
  CHECK(left.new_admins.empty()); // 1 is still an admin
  auto removed = plan(plan_change(info, {1, false, {3}}, 10));
  CHECK(std::string{removed.event} == "removed");
}

TEST_CASE("the last admin leaving promotes the longest-standing member", "[group_rules]") {
  auto info = group({1, 2, 3}, {1});
  CHECK(plan(plan_change(info, {1, false, {1}}, 10)).new_admins == std::vector<id64>{2});
  auto two_admins = group({1, 2, 3}, {1, 3});
  CHECK(plan(plan_change(two_admins, {1, false, {1}}, 10)).new_admins.empty());
  auto alone = group({1}, {1});
  CHECK(plan(plan_change(alone, {1, false, {1}}, 10)).new_admins.empty());
}

TEST_CASE("membership changes are for groups only", "[group_rules]") {
  auto info = group({1, 2}, {1});
  info.kind = "direct";
  CHECK(refusal(plan_change(info, {1, true, {3}}, 10)) == errc::not_a_group);
}

TEST_CASE("a committed change joins, removes and promotes", "[group_rules]") {
  auto info = group({1, 2, 3}, {1});
  membership_record record;
  record.message.msg.seq = 7;
  record.added = {4};
  record.removed = {1};
  record.new_admins = {2};
  apply_change(info.members, record);
  CHECK(member_ids(info.members) == std::vector<id64>{2, 3, 4});
  auto* joined = find_member(info.members, 4);
  REQUIRE(joined);
  CHECK(joined->joined_seq == 7);
  CHECK(joined->delivered_seq == 6); // nothing before their join is theirs
  CHECK_FALSE(joined->admin);
  CHECK(find_member(info.members, 2)->admin);
}

TEST_CASE("a 1:1 message is withheld from a peer who blocks the sender", "[group_rules]") {
  conversation_info info;
  info.kind = "direct";
  info.members = {member_info{1}, member_info{2}};
  CHECK_FALSE(withheld_from_peer(info, 1));
  info.blockers = {2};
  CHECK(withheld_from_peer(info, 1));
  CHECK_FALSE(withheld_from_peer(info, 2)); // the blocker's own messages go out
  CHECK(blocks(info, 2));
  CHECK_FALSE(blocks(info, 1));
}

TEST_CASE("a group receipt goes to the senders of what it covers", "[group_rules]") {
  auto info = group({1, 2, 3, 4}, {1});
  recent_senders recent{3};
  recent.reset({}, {}, 1); // a new group: everything is known
  recent.remember(1, 2);
  recent.remember(2, 3);
  recent.remember(3, 2);
  // 4 read seqs 1..2: the reporter, and the senders 2 and 3.
  CHECK(recent.receipt_recipients(info, 4, 0, 2) == std::vector<id64>{4, 2, 3});
  // 4 read seq 3 only: sent by 2.
  CHECK(recent.receipt_recipients(info, 4, 2, 3) == std::vector<id64>{4, 2});
  recent.remember(2, 1); // a retry of an older message changes nothing
  CHECK(recent.receipt_recipients(info, 4, 2, 3) == std::vector<id64>{4, 2});
  // Past capacity the oldest are forgotten: a receipt that covers them goes
  // to every member.
  recent.remember(4, 3);
  CHECK(recent.receipt_recipients(info, 4, 0, 4) == std::vector<id64>{1, 2, 3, 4});
  CHECK(recent.receipt_recipients(info, 4, 1, 4) == std::vector<id64>{4, 3, 2});
  // A sender who has left hears nothing.
  info.members.erase(info.members.begin() + 2); // user 3
  CHECK(recent.receipt_recipients(info, 4, 1, 4) == std::vector<id64>{4, 2});
}

TEST_CASE("receipts cross a 1:1 unless it holds a block", "[group_rules]") {
  conversation_info info;
  info.kind = "direct";
  info.members = {member_info{1}, member_info{2}};
  recent_senders recent{16};
  CHECK(recent.receipt_recipients(info, 2, 0, 5) == std::vector<id64>{1, 2});
  info.blockers = {1};
  CHECK(recent.receipt_recipients(info, 2, 0, 5) == std::vector<id64>{2});
}

TEST_CASE("senders loaded from the store: older receipts go to everyone", "[group_rules]") {
  auto info = group({1, 2, 3}, {1});
  recent_senders recent{2};
  recent.reset({10, 11}, {2, 3}, 12); // a full window: seqs before 10 unknown
  CHECK(recent.receipt_recipients(info, 1, 8, 11) == std::vector<id64>{1, 2, 3});
  CHECK(recent.receipt_recipients(info, 1, 10, 11) == std::vector<id64>{1, 3});
}
