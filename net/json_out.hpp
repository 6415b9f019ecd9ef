#pragma once
// Server → client frames and REST bodies, serialised once each. A message
// frame is built once per message and shared by every recipient.
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/ids.hpp"

namespace parley::wire {

struct stored_message {
  id64 msg_id = 0;
  id64 conversation = 0;
  std::int64_t seq = 0;
  id64 from = 0;
  id64 from_device = 0;
  std::int64_t ts = 0;
  std::string body;
};

std::string ready_frame(id64 user, id64 device);
// `client_id` is the JSON text of the client's id, echoed verbatim.
std::string ack_frame(std::string_view client_id, id64 msg_id, id64 conversation,
                      std::int64_t seq, std::int64_t ts);
std::string message_frame(const stored_message& m);
// The REST history representation: the message frame without "type".
std::string message_object(const stored_message& m);
std::string receipt_notice(id64 conversation, id64 user, std::string_view status,
                          std::int64_t up_to, std::int64_t ts);
std::string typing_notice(id64 conversation, id64 user);
std::string sync_done_frame(id64 conversation, bool more);
std::string pong_frame();
// `ref` is JSON text (or empty for none).
std::string error_frame(std::string_view code, std::string_view message,
                        std::string_view ref = {});
// REST error body: {"code","message"}.
std::string error_body(std::string_view code, std::string_view message);

} // namespace parley::wire
