#include "memory_store.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <functional>

#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "actors/group_rules.hpp"
#include "wire/json_out.hpp"

namespace parley::test {

namespace {

caf::expected<persist_result> store_message(memory_store_state& st, const message_record& r) {
  auto& m = r.msg;
  auto key = std::make_pair(m.from_device, r.client_id);
  if (auto it = st.client_ids.find(key); it != st.client_ids.end())
    return persist_result{true, st.messages.at(it->second)};
  auto slot = std::make_pair(m.conversation, m.seq);
  if (st.messages.count(slot))
    return make_error(errc::seq_conflict);
  st.messages.emplace(slot, m);
  st.client_ids.emplace(key, slot);
  return persist_result{};
}

std::int64_t last_seq(const memory_store_state& st, id64 conv) {
  std::int64_t last = 0;
  for (auto& [slot, m] : st.messages)
    if (slot.first == conv)
      last = std::max(last, slot.second);
  return last;
}

// What a live device may have lost (store_queries::live_gap and
// live_recovery), with every message visible to every member.
sync_page live_read(const memory_store_state& st, id64 device,
                    std::function<bool(const wire::stored_message&)> wanted) {
  sync_page page;
  for (auto& [slot, m] : st.messages) {
    if (m.from_device == device || !wanted(m))
      continue;
    page.frames.push_back(wire::message_frame(m));
    page.conversations.push_back(m.conversation);
    page.seqs.push_back(m.seq);
  }
  return page;
}

member_devices devices_of(const memory_store_state& st, const std::vector<id64>& users) {
  member_devices out;
  for (auto& [device, user] : st.device_owners)
    if (std::find(users.begin(), users.end(), user) != users.end()) {
      out.users.push_back(user);
      out.devices.push_back(device);
    }
  return out;
}

recheck_result recheck(const memory_store_state& st, const send_recheck& req) {
  recheck_result out;
  if (auto it = st.client_ids.find({req.sender_device, req.client_id});
      it != st.client_ids.end()) {
    out.stored = true;
    out.earlier = st.messages.at(it->second);
    return out;
  }
  out.required = devices_of(st, req.members);
  for (auto device : req.named)
    if (auto it = st.device_owners.find(device); it != st.device_owners.end()) {
      out.owners.devices.push_back(device);
      out.owners.users.push_back(it->second);
    }
  return out;
}

} // namespace

conversation_info make_conversation(std::string kind, std::vector<id64> members) {
  conversation_info info;
  info.kind = std::move(kind);
  for (auto user : members) {
    member_info m;
    m.user_id = user;
    m.admin = user == members.front();
    info.members.push_back(m);
  }
  return info;
}

caf::behavior memory_store(memory_store_actor* self) {
  return {
    [=](load_atom, id64 conv) -> caf::result<conversation_info> {
      auto& st = self->state;
      st.log.push_back("load");
      auto it = st.conversations.find(conv);
      if (it == st.conversations.end())
        return make_error(errc::no_such_conversation);
      auto info = it->second;
      info.last_seq = last_seq(st, conv);
      return info;
    },
    [=](persist_atom, const message_record& r) -> caf::result<persist_result> {
      auto& st = self->state;
      st.log.push_back("persist " + std::to_string(r.msg.conversation) + ":"
                       + std::to_string(r.msg.seq));
      auto result = store_message(st, r);
      if (!result)
        return result.error();
      return std::move(*result);
    },
    [=](members_atom, const membership_record& c) -> caf::result<persist_result> {
      auto& st = self->state;
      auto& m = c.message.msg;
      st.log.push_back("members " + std::to_string(m.conversation) + ":"
                       + std::to_string(m.seq));
      auto result = store_message(st, c.message);
      if (!result)
        return result.error();
      apply_change(st.conversations[m.conversation].members, c);
      return std::move(*result);
    },
    [=](exists_atom, id64 user, id64 conv) -> caf::result<bool> {
      auto& st = self->state;
      st.log.push_back("exists " + std::to_string(conv));
      auto it = st.conversations.find(conv);
      if (it == st.conversations.end())
        return make_error(errc::no_such_conversation);
      if (!find_member(it->second.members, user))
        return make_error(errc::not_a_member);
      return true;
    },
    [=](cursor_atom, const receipt_update&) { return true; },
    [=](keys_atom, id64) { return own_key_status{}; },
    [=](keys_atom, const std::vector<id64>& users) {
      self->state.log.push_back("devices");
      return devices_of(self->state, users);
    },
    [=](recheck_atom, const send_recheck& req) {
      self->state.log.push_back("recheck");
      return recheck(self->state, req);
    },
    [=](gap_atom, id64, id64 device, id64 conv, std::int64_t after, std::int64_t before,
        std::int64_t min_ts) {
      self->state.log.push_back("gap " + std::to_string(conv) + ":" + std::to_string(after)
                                + "-" + std::to_string(before));
      return live_read(self->state, device, [=](const wire::stored_message& m) {
        return m.conversation == conv && m.seq > after && m.seq < before && m.ts >= min_ts;
      });
    },
    [=](recover_atom, id64, id64 device, const std::vector<id64>& convs,
        const std::vector<std::int64_t>& after, std::int64_t since_ms) {
      self->state.log.push_back("recover");
      return live_read(self->state, device, [=](const wire::stored_message& m) {
        for (std::size_t i = 0; i < convs.size(); ++i)
          if (convs[i] == m.conversation)
            return m.seq > after[i];
        return m.ts >= since_ms;
      });
    },
    [=](auth_atom, const std::string& token) -> caf::result<identity> {
      auto& tokens = self->state.tokens;
      if (auto it = tokens.find(token); it != tokens.end())
        return it->second;
      return make_error(errc::unauthorized);
    },
    [=](direct_atom, id64 user, id64 peer) -> caf::result<id64, bool> {
      auto& st = self->state;
      auto key = std::minmax(user, peer);
      if (auto it = st.direct_pairs.find(key); it != st.direct_pairs.end())
        return {it->second, false};
      auto conv = st.next_conversation++;
      st.direct_pairs.emplace(key, conv);
      st.conversations.emplace(conv, make_conversation("direct", {user, peer}));
      return {conv, true};
    },
  };
}

} // namespace parley::test
