#pragma once
// Server → client frames and REST bodies, serialised once each. A message
// frame is built once per message and shared by every recipient.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "wire/ids.hpp"
#include "wire/stored_message.hpp"

namespace parley::wire {

// `text` as a JSON string literal appended to `out`: what nlohmann's dump
// writes with `error_handler_t::replace` (UTF-8 kept, control characters
// escaped, each broken UTF-8 sequence replaced by one U+FFFD).
void append_json_string(std::string& out, std::string_view text);

std::string ready_frame(id64 user, id64 device);
// `client_id` is the JSON text of the client's id, echoed verbatim.
std::string ack_frame(std::string_view client_id, id64 msg_id, id64 conversation,
                      std::int64_t seq, std::int64_t ts);
std::string message_frame(const stored_message& m);
// The REST history representation: the message frame without "type".
std::string message_object(const stored_message& m);
std::string receipt_notice(id64 conversation, id64 user, std::string_view status,
                          std::int64_t up_to, std::int64_t ts);
// `active` false: the user stopped typing (no refresh for a while).
std::string typing_notice(id64 conversation, id64 user, bool active = true);
// `last_seen` 0 (unknown or hidden) is sent as null.
std::string presence_frame(id64 user, bool online, std::int64_t last_seen);
// The body of a system message: what changed in a group's membership.
// {"event", "by", "users", "title"?, "admins"?}
std::string system_body(std::string_view event, id64 by, const std::vector<id64>& users,
                        std::string_view title = {},
                        const std::vector<id64>& new_admins = {});
// ["1","2"]: ids as a JSON array of strings, for bodies built with nlohmann.
nlohmann::json ids_json(const std::vector<id64>& ids);
std::string sync_done_frame(id64 conversation, bool more);
std::string pong_frame();
// {"type":"keys_low","remaining":N}: upload more one-time prekeys.
std::string keys_low_frame(std::int64_t remaining);
// `ref` is JSON text (or empty for none).
// `details`: JSON object text whose fields are added (or empty).
std::string error_frame(std::string_view code, std::string_view message,
                        std::string_view ref = {}, std::string_view details = {});
// REST error body: {"code","message"} and the fields of `details`.
std::string error_body(std::string_view code, std::string_view message,
                       std::string_view details = {});

} // namespace parley::wire
