#include "net/json_out.hpp"

#include <nlohmann/json.hpp>

namespace parley::wire {

using json = nlohmann::json;

namespace {

json message_fields(const stored_message& m) {
  json j{{"msg_id", id_to_string(m.msg_id)},
         {"conversation", id_to_string(m.conversation)},
         {"seq", m.seq},
         {"from", id_to_string(m.from)},
         {"from_device", id_to_string(m.from_device)},
         {"ts", m.ts},
         {"body", m.body}};
  if (m.system)
    j["body_type"] = "system";
  return j;
}

} // namespace

json ids_json(const std::vector<id64>& ids) {
  auto out = json::array();
  for (auto id : ids)
    out.push_back(id_to_string(id));
  return out;
}

namespace {

// Never throws: text that is not valid UTF-8 is replaced, not rejected.
std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Parses JSON text we produced ourselves (a client id echoed back).
json raw(std::string_view text) {
  return json::parse(text.begin(), text.end(), nullptr, false);
}

} // namespace

std::string ready_frame(id64 user, id64 device) {
  return dump(json{{"type", "ready"},
              {"user_id", id_to_string(user)},
              {"device_id", id_to_string(device)}});
}

std::string ack_frame(std::string_view client_id, id64 msg_id, id64 conversation,
                      std::int64_t seq, std::int64_t ts) {
  return dump(json{{"type", "ack"},
              {"id", raw(client_id)},
              {"msg_id", id_to_string(msg_id)},
              {"conversation", id_to_string(conversation)},
              {"seq", seq},
              {"ts", ts}});
}

std::string message_frame(const stored_message& m) {
  auto j = message_fields(m);
  j["type"] = "message";
  return dump(j);
}

std::string message_object(const stored_message& m) {
  return dump(message_fields(m));
}

std::string receipt_notice(id64 conversation, id64 user, std::string_view status,
                          std::int64_t up_to, std::int64_t ts) {
  return dump(json{{"type", "receipt"},
              {"conversation", id_to_string(conversation)},
              {"user", id_to_string(user)},
              {"status", status},
              {"up_to", up_to},
              {"ts", ts}});
}

std::string typing_notice(id64 conversation, id64 user, bool active) {
  return dump(json{{"type", "typing"},
              {"conversation", id_to_string(conversation)},
              {"user", id_to_string(user)},
              {"active", active}});
}

std::string presence_frame(id64 user, bool online, std::int64_t last_seen) {
  return dump(json{{"type", "presence"},
              {"user", id_to_string(user)},
              {"online", online},
              {"last_seen", last_seen > 0 ? json(last_seen) : json(nullptr)}});
}

std::string system_body(std::string_view event, id64 by, const std::vector<id64>& users,
                        std::string_view title, const std::vector<id64>& new_admins) {
  json j{{"event", event}, {"by", id_to_string(by)}, {"users", ids_json(users)}};
  if (!title.empty())
    j["title"] = title;
  if (!new_admins.empty())
    j["admins"] = ids_json(new_admins);
  return dump(j);
}


std::string sync_done_frame(id64 conversation, bool more) {
  json j{{"type", "sync.done"}, {"more", more}};
  if (conversation != 0)
    j["conversation"] = id_to_string(conversation);
  return dump(j);
}

std::string pong_frame() {
  return R"({"type":"pong"})";
}

std::string error_frame(std::string_view code, std::string_view message,
                        std::string_view ref) {
  json j{{"type", "error"}, {"code", code}, {"message", message}};
  if (!ref.empty())
    j["ref"] = raw(ref);
  return dump(j);
}

std::string error_body(std::string_view code, std::string_view message) {
  return dump({{"code", code}, {"message", message}});
}

} // namespace parley::wire
