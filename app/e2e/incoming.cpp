#include "app/e2e/incoming.hpp"

#include "wire/e2e/group.hpp"
#include "wire/e2e/plaintext.hpp"

namespace parley::e2e_client {

using nlohmann::json;

namespace {

std::string string_of(const json& frame, const char* name) {
  return frame.contains(name) && frame[name].is_string() ? frame[name].get<std::string>() : "";
}

json base_record(const json& frame, bool group) {
  return json{{"type", "message"},
              {"msg_id", frame.value("msg_id", "")},
              {"conversation", frame.value("conversation", "")},
              {"seq", frame.value("seq", 0)},
              {"from", frame.value("from", "")},
              {"from_device", frame.value("from_device", "")},
              {"ts", frame.value("ts", 0)},
              {"encrypted", true},
              {"group", group}};
}

// Adds what the plaintext says (`t` and its fields) to `record`; a media
// key never goes into what is shown.
void describe(const e2e::plaintext& pt, json& record) {
  record["t"] = pt.t;
  if (pt.t == "text") {
    record["text"] = pt.text;
  } else if (pt.t == "media") {
    auto& m = pt.media;
    record["media_id"] = m.media_id;
    record["sha256"] = m.sha256;
    record["size"] = m.size;
    record["content_type"] = m.content_type;
    record["name"] = m.name;
  }
}

// The media key goes to the store, for `fetch`.
void show_plaintext(state_store& store, const e2e::plaintext& pt, json& record) {
  describe(pt, record);
  if (pt.t == "media")
    store.save_media_key(pt.media.media_id, {pt.media.key, pt.media.sha256, pt.media.size});
}

void take_share(state_store& store, const device_address& from, const json& frame,
                const e2e::sender_key_share& share) {
  // Counts only for the conversation it arrived in (E2E.md §11).
  if (share.conversation != frame.value("conversation", ""))
    return;
  e2e::their_sender_key key;
  key.key_id = share.key_id;
  key.chain_key = share.chain_key;
  key.iteration = share.iteration;
  key.signing_pub = share.signing_key;
  store.save_their_sender_key(share.conversation, from.device, key);
}

std::string open_group_body(state_store& store, const device_address& from,
                            const std::string& conversation, const std::string& text,
                            std::optional<e2e::bytes>& plaintext) {
  auto body = e2e::parse_group_body(text);
  if (!body)
    return "bad_message";
  auto key = store.their_sender_key(conversation, from.device, body->key_id);
  if (!key)
    return "no_sender_key";
  auto opened = e2e::group_decrypt(*key, *body);
  if (!opened.plaintext)
    return opened.error;
  store.save_their_sender_key(conversation, from.device, *key);
  plaintext = std::move(opened.plaintext);
  return {};
}

} // namespace

received receive(device& d, const json& frame, bool group) {
  auto msg_id = string_of(frame, "msg_id");
  if (msg_id.empty() || d.store().handled(msg_id))
    return {};
  auto from_user = parse_id(string_of(frame, "from")).value_or(0);
  auto from_dev = parse_id(string_of(frame, "from_device")).value_or(0);
  device_address from{from_user, from_dev};
  auto envelope = string_of(frame, "envelope");
  bool has_body = frame.contains("body") && frame["body"].is_string();
  auto body = string_of(frame, "body");
  auto conversation = string_of(frame, "conversation");
  auto record = base_record(frame, group);
  stored_message row{msg_id, conversation, frame.value("seq", std::int64_t{0}), {}};

  if (frame.value("body_type", "") == "system") {
    record["encrypted"] = false;
    record["t"] = "system";
    auto parsed = json::parse(body, nullptr, false);
    record["system"] = parsed.is_discarded() ? json(body) : parsed;
    row.json = record.dump();
    d.store().transaction([&] { d.store().store_message(row); });
    return {record};
  }
  bool group_body = group && has_body && e2e::parse_group_body(body).has_value();
  if (envelope.empty() && !group_body) {
    if (!has_body) {
      // Nothing for this device (sent before it existed, or by it).
      d.store().transaction([&] { d.store().mark_handled(msg_id); });
      return {};
    }
    record["encrypted"] = false;
    record["t"] = "text";
    record["text"] = body;
    row.json = record.dump();
    d.store().transaction([&] { d.store().store_message(row); });
    return {record};
  }
  if (!envelope.empty())
    d.prepare_open(from, envelope); // network look-ups, outside the transaction
  std::optional<json> shown;
  d.store().transaction([&] {
    if (d.store().handled(msg_id)) // another process got there first
      return;
    std::optional<e2e::bytes> plaintext;
    std::string error;
    if (!envelope.empty()) {
      auto opened = d.open(from, envelope);
      error = opened.error;
      if (opened.plaintext) {
        auto parsed = e2e::parse_plaintext(*opened.plaintext);
        if (!parsed.value)
          error = parsed.error;
        else if (parsed.value->t == "sender_key")
          take_share(d.store(), from, frame, parsed.value->share);
        else
          plaintext = std::move(opened.plaintext);
      }
    }
    if (error.empty() && group_body)
      error = open_group_body(d.store(), from, conversation, body, plaintext);
    if (error.empty() && !plaintext) {
      d.store().mark_handled(msg_id); // only a sender key
      return;
    }
    if (error.empty()) {
      auto parsed = e2e::parse_plaintext(*plaintext);
      if (parsed.value)
        show_plaintext(d.store(), *parsed.value, record);
      else
        error = parsed.error;
    }
    if (!error.empty())
      record["error"] = error;
    row.json = record.dump();
    d.store().store_message(row);
    shown = record;
  });
  return {shown};
}

json sent_record(const device& d, const json& ack, const e2e::bytes& plaintext, bool group) {
  json record{{"type", "message"},
              {"msg_id", ack.value("msg_id", "")},
              {"conversation", ack.value("conversation", "")},
              {"seq", ack.value("seq", 0)},
              {"from", std::to_string(d.user())},
              {"from_device", std::to_string(d.id())},
              {"ts", ack.value("ts", 0)},
              {"encrypted", true},
              {"group", group}};
  if (auto parsed = e2e::parse_plaintext(plaintext); parsed.value)
    describe(*parsed.value, record);
  return record;
}

} // namespace parley::e2e_client
