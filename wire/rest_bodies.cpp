#include "wire/rest_bodies.hpp"

#include <nlohmann/json.hpp>

#include "wire/json_out.hpp"

namespace parley::wire {

using json = nlohmann::json;

std::string user_body(const user_ref& user) {
  return json{{"user_id", id_to_string(user.user_id)}, {"username", user.username}}.dump();
}

std::string conversations_body(const std::vector<conversation_summary>& list) {
  auto out = json::array();
  for (auto& c : list) {
    json item{{"conversation_id", id_to_string(c.conversation_id)},
              {"kind", c.kind},
              {"members", ids_json(c.members)},
              {"last_seq", c.last_seq},
              {"unread", c.unread}};
    if (c.kind == "group")
      item["title"] = c.title;
    if (c.peer_id != 0) {
      item["peer"] = id_to_string(c.peer_id);
      item["peer_username"] = c.peer_name;
      item["peer_delivered"] = c.peer_delivered;
      item["peer_read"] = c.peer_read;
    }
    out.push_back(std::move(item));
  }
  return json{{"conversations", std::move(out)}}.dump();
}

std::string history_body(const std::vector<stored_message>& page) {
  std::string out = R"({"messages":[)";
  for (std::size_t i = 0; i < page.size(); ++i) {
    if (i > 0)
      out += ',';
    out += message_object(page[i]);
  }
  out += "]}";
  return out;
}

std::string details_body(const conversation_details& d) {
  std::vector<id64> members;
  std::vector<id64> admins;
  for (auto& m : d.members) {
    members.push_back(m.user_id);
    if (m.admin)
      admins.push_back(m.user_id);
  }
  json out{{"conversation_id", id_to_string(d.conversation_id)},
           {"kind", d.kind},
           {"created_at", d.created_at},
           {"members", ids_json(members)},
           {"admins", ids_json(admins)},
           {"last_seq", d.last_seq}};
  if (d.kind == "group") {
    out["title"] = d.title;
    out["created_by"] = id_to_string(d.created_by);
  }
  return out.dump();
}

std::string receipts_body(const receipt_summary& r) {
  return json{{"conversation_id", id_to_string(r.conversation_id)},
              {"seq", r.seq},
              {"from", id_to_string(r.from)},
              {"delivered", ids_json(r.delivered)},
              {"read", ids_json(r.read)},
              {"pending", ids_json(r.pending)}}
    .dump();
}

std::string devices_body(const std::vector<device_row>& devices, id64 current) {
  auto out = json::array();
  for (auto& d : devices)
    out.push_back({{"device_id", id_to_string(d.device_id)},
                   {"name", d.name},
                   {"created_at", d.created_at},
                   {"last_seen", d.last_seen},
                   {"current", d.device_id == current}});
  return json{{"devices", std::move(out)}}.dump();
}

std::string blocks_body(const std::vector<block_row>& blocks) {
  auto out = json::array();
  for (auto& b : blocks)
    out.push_back({{"user_id", id_to_string(b.user_id)},
                   {"username", b.username},
                   {"since", b.since}});
  return json{{"blocks", std::move(out)}}.dump();
}

std::string poll_body(const std::string& cursor, const std::vector<std::string>& frames) {
  std::string out = R"({"cursor":)" + json(cursor).dump() + R"(,"events":[)";
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (i > 0)
      out += ',';
    out += frames[i];
  }
  out += "]}";
  return out;
}

std::string push_body(id64 user, const push_note& note, std::int64_t count,
                      const std::vector<std::string>& tokens) {
  return json{{"user_id", id_to_string(user)},
              {"conversation", id_to_string(note.conversation)},
              {"msg_id", id_to_string(note.msg_id)},
              {"seq", note.seq},
              {"from", id_to_string(note.from)},
              {"ts", note.ts},
              {"count", count},
              {"tokens", tokens}}
    .dump();
}

std::string call_push_body(const call_push& call, const std::vector<std::string>& tokens) {
  return json{{"kind", "call"},
              {"user_id", id_to_string(call.user)},
              {"call_id", id_to_string(call.call_id)},
              {"from", id_to_string(call.from)},
              {"from_device", id_to_string(call.from_device)},
              {"media", call.video ? "video" : "audio"},
              {"ts", call.ts},
              {"expires_ts", call.expires_ts},
              {"tokens", tokens}}
    .dump();
}

std::string call_ended_push_body(id64 user, id64 call_id, std::string_view reason,
                                 std::int64_t ts, const std::vector<std::string>& tokens) {
  return json{{"kind", "call_ended"},
              {"user_id", id_to_string(user)},
              {"call_id", id_to_string(call_id)},
              {"reason", reason},
              {"ts", ts},
              {"tokens", tokens}}
    .dump();
}

} // namespace parley::wire
