#include "wire/call_frames.hpp"

#include <nlohmann/json.hpp>

#include "wire/frame_fields.hpp"

namespace parley::wire {

using json = nlohmann::json;

namespace {

using namespace detail;

id64 id_of(const json& obj, const char* field) {
  return id_field(require(obj, field), field);
}

// An SDP must say something; a candidate may be empty (end of candidates).
std::string payload_of(const json& obj, const char* field, bool may_be_empty) {
  auto& value = require(obj, field);
  if (!value.is_string())
    reject("invalid_field", std::string{"field '"} + field + "' must be a string");
  auto& text = value.get_ref<const std::string&>();
  if (text.size() > max_call_payload)
    reject("payload_too_large", std::string{"field '"} + field + "' exceeds 65536 bytes");
  if (text.empty() && !may_be_empty)
    reject("invalid_field", std::string{"field '"} + field + "' must not be empty");
  return text;
}

call_frame parse_offer(const json& obj) {
  call_frame out;
  out.op = call_op::offer;
  out.client_id = client_id_field(require(obj, "id"));
  out.to = id_of(obj, "to");
  auto& media = require(obj, "media");
  if (media != "audio" && media != "video")
    reject("invalid_field", "field 'media' must be \"audio\" or \"video\"");
  out.video = media == "video";
  out.payload = payload_of(obj, "sdp", false);
  return out;
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace

bool is_call_type(std::string_view type) {
  return type.substr(0, 5) == "call.";
}

call_frame parse_call_frame(std::string_view type, const json& obj) {
  if (type == "call.offer")
    return parse_offer(obj);
  call_frame out;
  out.call_id = id_of(obj, "call_id");
  if (type == "call.answer") {
    out.op = call_op::answer;
    out.payload = payload_of(obj, "sdp", false);
  } else if (type == "call.reject") {
    out.op = call_op::reject;
  } else if (type == "call.hangup") {
    out.op = call_op::hangup;
  } else if (type == "call.ice") {
    out.op = call_op::ice;
    out.payload = payload_of(obj, "candidate", true);
  } else if (type == "call.update") {
    out.op = call_op::update;
    out.payload = payload_of(obj, "sdp", false);
  } else if (type == "call.resume") {
    out.op = call_op::resume;
  } else {
    reject("unknown_type", "unknown frame type '" + std::string{type.substr(0, 64)} + "'");
  }
  return out;
}

std::string call_error_ref(std::string_view type, const json& obj) {
  bool offer = type == "call.offer";
  auto it = obj.find(offer ? "id" : "call_id");
  return it == obj.end() ? std::string{} : ref_text(*it, offer);
}

std::string call_ref(id64 call_id) {
  return '"' + id_to_string(call_id) + '"';
}

const char* media_name(bool video) {
  return video ? "video" : "audio";
}

std::string call_created_frame(std::string_view client_id, id64 call_id) {
  json j{{"type", "call.created"}, {"call_id", id_to_string(call_id)}};
  j["ref"] = json::parse(client_id);
  return dump(j);
}

std::string call_incoming_frame(id64 call_id, id64 from, id64 from_device, bool video,
                                std::string_view sdp, std::int64_t ts) {
  return dump({{"type", "call.incoming"},
               {"call_id", id_to_string(call_id)},
               {"from", id_to_string(from)},
               {"from_device", id_to_string(from_device)},
               {"media", media_name(video)},
               {"sdp", sdp},
               {"ts", ts}});
}

std::string call_relay_frame(std::string_view type, id64 call_id, std::string_view field,
                             std::string_view payload, id64 from_device) {
  json j{{"type", type},
         {"call_id", id_to_string(call_id)},
         {"from_device", id_to_string(from_device)}};
  j[std::string{field}] = payload;
  return dump(j);
}

std::string call_resumed_frame(id64 call_id) {
  return dump({{"type", "call.resumed"}, {"call_id", id_to_string(call_id)}});
}

std::string call_ended_frame(id64 call_id, std::string_view reason) {
  return dump({{"type", "call.ended"}, {"call_id", id_to_string(call_id)}, {"reason", reason}});
}

std::string call_record_body(id64 call_id, bool video, std::string_view result,
                             std::int64_t started_ts, std::int64_t duration_ms) {
  // The key order of CALLS.md's example, not nlohmann's sorted one.
  return R"({"event":"call","call_id":")" + id_to_string(call_id) + R"(","media":")"
         + media_name(video) + R"(","result":")" + std::string{result}
         + R"(","started_ts":)" + std::to_string(started_ts)
         + R"(,"duration_ms":)" + std::to_string(duration_ms) + "}";
}

} // namespace parley::wire
