#pragma once
// The REST bodies made of the store's records (docs/protocol.md): written
// here, in the wire layer, so that the store answers with records and no
// actor builds JSON for an HTTP client.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wire/records.hpp"
#include "wire/stored_message.hpp"

namespace parley::wire {

// {"user_id", "username"}
std::string user_body(const user_ref& user);
// {"conversations": [{conversation_id, kind, members, last_seq, unread,
//  title? | peer, peer_username, peer_delivered, peer_read}]}
std::string conversations_body(const std::vector<conversation_summary>& list);
// {"messages": [message objects, newest first]}
std::string history_body(const std::vector<stored_message>& page);
// {conversation_id, kind, created_at, members, admins, last_seq,
//  title? created_by?}
std::string details_body(const conversation_details& d);
// {conversation_id, seq, from, delivered, read, pending}
std::string receipts_body(const receipt_summary& r);
// {"blocks": [{user_id, username, since}]}
std::string blocks_body(const std::vector<block_row>& blocks);

// {"devices": [{device_id, name, created_at, last_seen, current}]}
std::string devices_body(const std::vector<device_row>& devices, id64 current);

// A long poll's answer: {"cursor", "events": [frames, as they are]}.
std::string poll_body(const std::string& cursor, const std::vector<std::string>& frames);

// What the push gateway is POSTed for `user` (docs/protocol.md): the latest
// of `count` messages, never its body, and the devices' tokens.
std::string push_body(id64 user, const push_note& note, std::int64_t count,
                      const std::vector<std::string>& tokens);

// A call ringing a user with a device offline (../shared/CALLS.md): never
// the SDP. `expires_ts`: when the ring times out.
struct call_push {
  id64 user = 0;
  id64 call_id = 0;
  id64 from = 0;
  id64 from_device = 0;
  bool video = false;
  std::int64_t ts = 0;
  std::int64_t expires_ts = 0;
};
std::string call_push_body(const call_push& call, const std::vector<std::string>& tokens);
// That call stopped ringing: the phones stop, with the callee's reason.
std::string call_ended_push_body(id64 user, id64 call_id, std::string_view reason,
                                 std::int64_t ts, const std::vector<std::string>& tokens);

} // namespace parley::wire
