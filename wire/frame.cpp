#include "wire/frame.hpp"
#include "wire/frame_fields.hpp"
#include "wire/json_depth.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <unordered_set>

namespace parley::wire {

using json = nlohmann::json;

namespace {

using namespace detail;

// At most `max` bytes of `text`, cut at a character boundary, for echoing
// client input inside an error message.
std::string printable_prefix(const std::string& text, std::size_t max) {
  if (text.size() <= max)
    return text;
  auto end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end; // do not split a UTF-8 sequence
  return text.substr(0, end) + "...";
}

std::int64_t seq_field(const json& value, const char* field) {
  if (!value.is_number_integer() || value.get<std::int64_t>() < 0)
    reject("invalid_field",
           std::string{"field '"} + field + "' must be a non-negative integer");
  return value.get<std::int64_t>();
}

auth_frame parse_auth(const json& obj) {
  auto& token = require(obj, "token");
  if (!token.is_string())
    reject("invalid_field", "field 'token' must be a string");
  return {token.get<std::string>()};
}

std::vector<std::string> media_field(const json& value) {
  if (!value.is_array())
    reject("invalid_field", "field 'media' must be an array of media ids");
  if (value.size() > max_media_per_message)
    reject("invalid_field", "a message carries at most "
                              + std::to_string(max_media_per_message) + " media");
  std::vector<std::string> out;
  for (auto& item : value) {
    if (!item.is_string() || !is_media_id(item.get_ref<const std::string&>()))
      reject("invalid_field", "field 'media' must hold media ids (32 hex digits)");
    auto& id = item.get_ref<const std::string&>();
    if (std::find(out.begin(), out.end(), id) == out.end())
      out.push_back(id);
  }
  return out;
}

// Sorted by device. A fault is kept, not thrown: it is answered after the
// checks that come before it (E2E.md §9, step 3).
void read_envelopes(const json& value, send_frame& out) {
  auto fault = [&](std::string why) { out.envelopes_fault = std::move(why); };
  if (!value.is_object())
    return fault("field 'envelopes' must be an object of device id to envelope");
  device_envelopes envelopes;
  envelopes.reserve(value.size());
  for (auto& [key, envelope] : value.items()) {
    auto device = parse_id(key);
    if (!device)
      return fault("'envelopes' keys must be decimal device ids");
    if (!envelope.is_string())
      return fault("each envelope must be a string");
    auto& text = envelope.get_ref<const std::string&>();
    if (text.size() > max_envelope_bytes)
      return fault("an envelope may have at most 65536 bytes");
    if (text.find('\0') != std::string::npos)
      return fault("an envelope must not contain NUL characters");
    envelopes.emplace_back(*device, text);
  }
  std::sort(envelopes.begin(), envelopes.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  auto same_device = [](const auto& a, const auto& b) { return a.first == b.first; };
  if (std::adjacent_find(envelopes.begin(), envelopes.end(), same_device) != envelopes.end())
    return fault("a device appears twice in 'envelopes'");
  out.envelopes = std::move(envelopes);
}

send_frame parse_send(const json& obj) {
  send_frame out;
  out.client_id = client_id_field(require(obj, "id"));
  auto has_to = obj.contains("to");
  auto has_conv = obj.contains("conversation");
  if (!has_to && !has_conv)
    reject("missing_field", "a send needs 'to' or 'conversation'");
  if (has_to && has_conv)
    reject("invalid_field", "a send takes 'to' or 'conversation', not both");
  if (has_to)
    out.to = id_field(obj["to"], "to");
  else
    out.conversation = id_field(obj["conversation"], "conversation");
  auto envelopes = obj.find("envelopes");
  auto body = obj.find("body");
  out.has_body = body != obj.end();
  if (!out.has_body && envelopes == obj.end())
    reject("missing_field", "field 'body' is required");
  if (out.has_body) {
    if (!body->is_string())
      reject("invalid_field", "field 'body' must be a string");
    auto& text = body->get_ref<const std::string&>();
    if (text.size() > max_body_bytes)
      reject("body_too_large", "body exceeds 65536 bytes");
    if (text.find('\0') != std::string::npos)
      reject("invalid_field", "field 'body' must not contain NUL characters");
    out.body = text;
  }
  if (auto it = obj.find("media"); it != obj.end() && !it->is_null())
    out.media = media_field(*it);
  if (envelopes != obj.end())
    read_envelopes(*envelopes, out);
  return out;
}

receipt_frame parse_receipt(const json& obj) {
  auto& status = require(obj, "status");
  receipt_frame out{};
  if (status == "delivered")
    out.status = receipt_status::delivered;
  else if (status == "read")
    out.status = receipt_status::read;
  else
    reject("invalid_field", "field 'status' must be \"delivered\" or \"read\"");
  out.conversation = id_field(require(obj, "conversation"), "conversation");
  out.up_to = seq_field(require(obj, "up_to"), "up_to");
  return out;
}

sync_frame parse_sync(const json& obj) {
  sync_frame out;
  if (auto it = obj.find("conversation"); it != obj.end() && !it->is_null())
    out.conversation = id_field(*it, "conversation");
  if (auto it = obj.find("after"); it != obj.end() && !it->is_null())
    out.after = seq_field(*it, "after");
  return out;
}

typing_frame parse_typing(const json& obj) {
  return {id_field(require(obj, "conversation"), "conversation")};
}

watch_frame parse_watch(const json& obj, bool subscribe) {
  auto& users = require(obj, "users");
  if (!users.is_array())
    reject("invalid_field", "field 'users' must be an array of user ids");
  if (users.empty())
    reject("invalid_field", "field 'users' must name at least one user");
  watch_frame out{subscribe, {}};
  out.users.reserve(users.size());
  std::unordered_set<id64> seen;
  for (auto& user : users) {
    auto id = id_field(user, "users");
    if (seen.insert(id).second)
      out.users.push_back(id);
  }
  return out;
}

parse_result parse_object(const json& obj) {
  auto& type = require(obj, "type");
  if (!type.is_string())
    reject("invalid_field", "field 'type' must be a string");
  auto& name = type.get_ref<const std::string&>();
  if (name == "send")
    return parse_send(obj);
  if (name == "receipt")
    return parse_receipt(obj);
  if (name == "sync")
    return parse_sync(obj);
  if (name == "typing")
    return parse_typing(obj);
  if (name == "ping")
    return ping_frame{};
  if (name == "presence.subscribe")
    return parse_watch(obj, true);
  if (name == "presence.unsubscribe")
    return parse_watch(obj, false);
  if (name == "auth")
    return parse_auth(obj);
  if (is_call_type(name))
    return parse_call_frame(name, obj);
  reject("unknown_type", "unknown frame type '" + printable_prefix(name, 64) + "'");
}

} // namespace

bool is_media_id(std::string_view text) {
  return text.size() == 32 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

parse_result parse_frame(std::string_view text) {
  if (auto send = read_plain_send(text))
    return std::move(*send);
  return parse_frame_with_dom(text);
}

parse_result parse_frame_with_dom(std::string_view text) {
  if (text.size() > max_frame_bytes)
    return frame_error{"frame_too_large",
                       "frame exceeds " + std::to_string(max_frame_bytes) + " bytes", {}};
  if (json_nesting_exceeds(text))
    return frame_error{"too_deep", "JSON nests deeper than 32 levels", {}};
  auto doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded())
    return frame_error{"invalid_json", "frame is not valid JSON", {}};
  if (!doc.is_object())
    return frame_error{"invalid_frame", "frame must be a JSON object", {}};
  return parse_frame_object(doc);
}

parse_result parse_frame_object(const nlohmann::json& doc) {
  try {
    return parse_object(doc);
  } catch (detail::field_rejection& r) {
    frame_error error{std::move(r.code), std::move(r.message), {}};
    // Echo the offending frame's id, if it has a usable one; a call
    // frame's own rule says which field that is.
    auto type = doc.find("type");
    if (type != doc.end() && type->is_string()
        && is_call_type(type->get_ref<const std::string&>()))
      error.ref = call_error_ref(type->get_ref<const std::string&>(), doc);
    else if (auto it = doc.find("id"); it != doc.end())
      error.ref = detail::ref_text(*it, true);
    return error;
  }
}

const char* to_string(receipt_status status) {
  return status == receipt_status::delivered ? "delivered" : "read";
}

} // namespace parley::wire
