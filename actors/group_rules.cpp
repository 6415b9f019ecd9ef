#include "actors/group_rules.hpp"

#include <algorithm>
#include <utility>

namespace parley {

const member_info* find_member(const std::vector<member_info>& members, id64 user) {
  for (auto& m : members)
    if (m.user_id == user)
      return &m;
  return nullptr;
}

member_info* find_member(std::vector<member_info>& members, id64 user) {
  return const_cast<member_info*>(find_member(std::as_const(members), user));
}

std::vector<id64> member_ids(const std::vector<member_info>& members) {
  std::vector<id64> out;
  out.reserve(members.size());
  for (auto& m : members)
    out.push_back(m.user_id);
  return out;
}

bool blocks(const conversation_info& info, id64 user) {
  auto& b = info.blockers;
  return std::find(b.begin(), b.end(), user) != b.end();
}

bool withheld_from_peer(const conversation_info& info, id64 sender) {
  for (auto& m : info.members)
    if (m.user_id != sender && blocks(info, m.user_id))
      return true;
  return false;
}

namespace {

// A group is never left without an admin while it has members: when the
// last admin goes, the longest-standing other member is promoted (members
// are kept in join order).
std::vector<id64> successors(const std::vector<member_info>& members, id64 leaving) {
  const member_info* successor = nullptr;
  for (auto& m : members) {
    if (m.user_id == leaving)
      continue;
    if (m.admin)
      return {};
    if (!successor)
      successor = &m;
  }
  if (!successor)
    return {};
  return {successor->user_id};
}

} // namespace

std::variant<membership_plan, errc> plan_change(const conversation_info& info,
                                                const membership_change& change,
                                                std::size_t max_group_size) {
  if (info.kind != "group")
    return errc::not_a_group;
  auto* by = find_member(info.members, change.by);
  if (!by)
    return errc::not_a_member;
  membership_plan plan;
  if (change.add) {
    if (!by->admin)
      return errc::not_admin;
    for (auto user : change.users)
      if (find_member(info.members, user))
        return errc::already_member;
    if (info.members.size() + change.users.size() > max_group_size)
      return errc::too_many_members;
    plan.added = change.users;
    return plan;
  }
  auto user = change.users.at(0);
  if (user != change.by && !by->admin)
    return errc::not_admin;
  if (!find_member(info.members, user))
    return errc::no_such_member;
  plan.removed = {user};
  plan.event = user == change.by ? "left" : "removed";
  plan.new_admins = successors(info.members, user);
  return plan;
}

void apply_change(std::vector<member_info>& members, const membership_record& record) {
  auto seq = record.message.msg.seq;
  for (auto user : record.added)
    members.push_back({user, seq - 1, seq - 1, false, seq});
  for (auto user : record.removed)
    members.erase(std::remove_if(members.begin(), members.end(),
                                 [&](auto& m) { return m.user_id == user; }),
                  members.end());
  for (auto user : record.new_admins)
    if (auto* m = find_member(members, user))
      m->admin = true;
}

void recent_senders::reset(const std::vector<std::int64_t>& seqs,
                           const std::vector<id64>& senders, std::int64_t next_seq) {
  recent_.clear();
  for (std::size_t i = 0; i < seqs.size() && i < senders.size(); ++i)
    recent_.push_back({seqs[i], senders[i]});
  known_from_ = recent_.empty() ? next_seq : recent_.front().seq;
  if (recent_.size() < capacity_)
    known_from_ = 1; // the whole conversation is known
}

void recent_senders::remember(std::int64_t seq, id64 sender) {
  if (seq < known_from_ || (!recent_.empty() && seq <= recent_.back().seq))
    return; // a retry of an older message
  recent_.push_back({seq, sender});
  if (recent_.size() > capacity_) {
    recent_.pop_front();
    known_from_ = recent_.front().seq;
  }
}

std::vector<id64> recent_senders::receipt_recipients(const conversation_info& info,
                                                     id64 reporter, std::int64_t from,
                                                     std::int64_t to) const {
  if (!info.blockers.empty())
    return {reporter}; // a 1:1 with a block: nothing crosses it
  if (info.kind != "group" || from + 1 < known_from_)
    return member_ids(info.members);
  std::vector<id64> out{reporter};
  auto first = std::lower_bound(recent_.begin(), recent_.end(), from + 1,
                                [](const entry& r, std::int64_t seq) { return r.seq < seq; });
  for (auto it = first; it != recent_.end() && it->seq <= to; ++it)
    if (std::find(out.begin(), out.end(), it->sender) == out.end()
        && find_member(info.members, it->sender))
      out.push_back(it->sender);
  return out;
}

} // namespace parley
