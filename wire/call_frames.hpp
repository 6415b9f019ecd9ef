#pragma once
// The call frames of ../shared/CALLS.md: the client's `call.*` frames
// parsed (wire/frame.cpp dispatches them here) and the server's written.
// Pure: the SDP and ICE strings are carried, never parsed.
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "wire/ids.hpp"

namespace parley::wire {

// `sdp` has 1..max_call_payload bytes, `candidate` 0..max_call_payload.
constexpr std::size_t max_call_payload = 64 * 1024;

enum class call_op { offer, answer, reject, hangup, ice, update, resume };

struct call_frame {
  call_op op = call_op::offer;
  std::string client_id; // offer: the `id` as compact JSON text
  id64 to = 0;           // offer
  bool video = false;    // offer: "media" is "video" (else "audio")
  id64 call_id = 0;      // every op but offer
  std::string payload;   // offer, answer, update: the SDP; ice: the candidate
};

// True for the frame types this file parses ("call.offer", ...).
bool is_call_type(std::string_view type);

// The call frame of type `type` read from `obj`; a bad field throws
// detail::field_rejection (wire/frame_fields.hpp), caught by
// parse_frame_object, which adds the `ref`.
call_frame parse_call_frame(std::string_view type, const nlohmann::json& obj);

// The `ref` an error about a call frame carries (CALLS.md, "Errors"): the
// offer's `id`, or the `call_id` when it is a string; JSON text or "".
std::string call_error_ref(std::string_view type, const nlohmann::json& obj);

// `call_id` as the JSON text of an error's `ref`.
std::string call_ref(id64 call_id);

const char* media_name(bool video);

// --- server → client frames
std::string call_created_frame(std::string_view client_id, id64 call_id);
std::string call_incoming_frame(id64 call_id, id64 from, id64 from_device, bool video,
                                std::string_view sdp, std::int64_t ts);
// "call.answer", "call.ice" and "call.update" as relayed: `field` is "sdp"
// or "candidate".
std::string call_relay_frame(std::string_view type, id64 call_id, std::string_view field,
                             std::string_view payload, id64 from_device);
std::string call_resumed_frame(id64 call_id);
std::string call_ended_frame(id64 call_id, std::string_view reason);

// The body of a call record's system message.
std::string call_record_body(id64 call_id, bool video, std::string_view result,
                             std::int64_t started_ts, std::int64_t duration_ms);

} // namespace parley::wire
