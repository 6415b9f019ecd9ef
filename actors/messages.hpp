#pragma once
// The vocabulary actors speak: atoms, request/reply structs and error codes.
// Every struct has an `inspect` overload so it can cross nodes (issue 5).
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "net/json_out.hpp"
#include "storage/ids.hpp"

namespace parley::net {
class ws_link;
} // namespace parley::net

namespace parley::wire {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stored_message& x) {
  return f(caf::meta::type_name("stored_message"), x.msg_id, x.conversation, x.seq,
           x.from, x.from_device, x.ts, x.body, x.system);
}

} // namespace parley::wire

namespace parley {

// --- atoms (at most 10 characters) ---------------------------------------
// store
using signup_atom = caf::atom_constant<caf::atom("signup")>;
using login_atom = caf::atom_constant<caf::atom("login")>;
using auth_atom = caf::atom_constant<caf::atom("auth")>;
using revoke_atom = caf::atom_constant<caf::atom("revoke")>;
using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
using convs_atom = caf::atom_constant<caf::atom("convs")>;
using history_atom = caf::atom_constant<caf::atom("history")>;
using direct_atom = caf::atom_constant<caf::atom("direct")>;
using sync_atom = caf::atom_constant<caf::atom("sync")>;
using load_atom = caf::atom_constant<caf::atom("load")>;
using persist_atom = caf::atom_constant<caf::atom("persist")>;
using cursor_atom = caf::atom_constant<caf::atom("cursor")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using media_put_atom = caf::atom_constant<caf::atom("mediaput")>;
using media_get_atom = caf::atom_constant<caf::atom("mediaget")>;
using media_del_atom = caf::atom_constant<caf::atom("mediadel")>;
using group_atom = caf::atom_constant<caf::atom("group")>;
using exists_atom = caf::atom_constant<caf::atom("exists")>;
using info_atom = caf::atom_constant<caf::atom("info")>;
using receipts_atom = caf::atom_constant<caf::atom("receipts")>;
using privacy_atom = caf::atom_constant<caf::atom("privacy")>;
using presload_atom = caf::atom_constant<caf::atom("presload")>;
using last_seen_atom = caf::atom_constant<caf::atom("lastseen")>;
using targets_atom = caf::atom_constant<caf::atom("targets")>;
using block_atom = caf::atom_constant<caf::atom("block")>;
using blocks_atom = caf::atom_constant<caf::atom("blocks")>;
using poll_atom = caf::atom_constant<caf::atom("poll")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
// directory
using conv_atom = caf::atom_constant<caf::atom("conv")>;
using online_atom = caf::atom_constant<caf::atom("online")>;
using fanout_atom = caf::atom_constant<caf::atom("fanout")>;
using route_atom = caf::atom_constant<caf::atom("route")>;
using retire_atom = caf::atom_constant<caf::atom("retire")>;
using fault_atom = caf::atom_constant<caf::atom("fault")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using contacts_atom = caf::atom_constant<caf::atom("contacts")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
// conversation
using send_atom = caf::atom_constant<caf::atom("send")>;
using receipt_atom = caf::atom_constant<caf::atom("receipt")>;
using typing_atom = caf::atom_constant<caf::atom("typing")>;
using members_atom = caf::atom_constant<caf::atom("members")>;
// presence and session
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
using frame_atom = caf::atom_constant<caf::atom("frame")>;
using closed_atom = caf::atom_constant<caf::atom("closed")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using offline_atom = caf::atom_constant<caf::atom("offline")>;
using touch_atom = caf::atom_constant<caf::atom("touch")>;
using unsub_atom = caf::atom_constant<caf::atom("unsub")>;
using resub_atom = caf::atom_constant<caf::atom("resub")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;
// push notifier and media collector
using push_atom = caf::atom_constant<caf::atom("push")>;
using push_token_atom = caf::atom_constant<caf::atom("pushtoken")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using gc_atom = caf::atom_constant<caf::atom("gc")>;
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;
// cluster (actors/membership.hpp, actors/directory.hpp)
using join_atom = caf::atom_constant<caf::atom("join")>;
using ring_atom = caf::atom_constant<caf::atom("ring")>;
using cluster_atom = caf::atom_constant<caf::atom("cluster")>;
using dial_atom = caf::atom_constant<caf::atom("dial")>;
using rehome_atom = caf::atom_constant<caf::atom("rehome")>;
using relayed_atom = caf::atom_constant<caf::atom("relayed")>;
using presence_atom = caf::atom_constant<caf::atom("presence")>;

// --- errors ----------------------------------------------------------------
// Each maps to one stable wire `code` (see wire_code in actors/messages.cpp
// of the same name).
enum class errc : std::uint8_t {
  unavailable = 1,      // the database cannot be reached
  no_such_user,
  no_such_conversation,
  not_a_member,
  username_taken,
  bad_credentials,
  unauthorized,
  seq_conflict,         // another owner committed this seq: reload, retry
  internal,
  no_such_media,
  not_a_group,          // a group operation on a 1:1 conversation
  not_admin,            // only admins may add or remove others
  already_member,
  no_such_member,       // removing someone who is not a member
  too_many_members,     // over the group size limit
  no_such_message,
  blocked,              // messaging a user you block
  cannot_block_self,
  invalid_cursor,       // a long-poll cursor this device was never given
  quota_exceeded,       // the user's uploads would exceed their quota
  too_many_subscriptions, // a device watching more users than allowed
  duplicate_node,       // a node joined with an id a live node already has
  not_owner,            // the ring moved this key to another node: ask again
};

caf::error make_error(errc code);
const char* wire_code(errc code);
// The wire code for any error an actor may answer with; CAF's own failures
// (timeouts, dead actors) count as `unavailable`.
std::string wire_code(const caf::error& err);
std::string describe(const caf::error& err);

// Registers every message type above, for messages that cross nodes.
void register_types(caf::actor_system_config& cfg);

// --- requests and replies ---------------------------------------------------
struct login_request {
  std::string username;
  std::string password;
  std::string device_name;
  id64 device_id = 0; // 0: a new device
};

struct login_result {
  std::string token;
  id64 user_id = 0;
  id64 device_id = 0;
};

struct identity {
  id64 user_id = 0;
  id64 device_id = 0;
};

// A message on its way from a session through a conversation to the store.
struct outgoing_message {
  id64 conversation = 0;
  id64 sender = 0;
  id64 sender_device = 0;
  std::string client_id;
  std::string body;
  std::vector<std::string> media; // upload ids the message carries
};

// A message on its way from a conversation to its store.
struct message_record {
  wire::stored_message msg;
  std::string client_id;
  bool withheld = false; // from the recipient, who blocked the sender
  std::vector<std::string> media;
};

// What the store committed: the new message, or for a retried client id
// the message stored by the earlier attempt.
struct persist_result {
  wire::stored_message stored;
  bool duplicate = false;
};

// What a session needs to acknowledge a send.
struct ack_info {
  id64 msg_id = 0;
  id64 conversation = 0;
  std::int64_t seq = 0;
  std::int64_t ts = 0;
};

struct receipt_update {
  id64 conversation = 0;
  id64 user = 0;
  id64 device = 0;
  bool read = false;
  std::int64_t up_to = 0;
};

struct member_info {
  id64 user_id = 0;
  std::int64_t delivered_seq = 0;
  std::int64_t read_seq = 0;
  bool admin = false;
  std::int64_t joined_seq = 1;
};

struct conversation_info {
  std::string kind;
  std::string title;
  std::vector<member_info> members;
  std::int64_t last_seq = 0;
  // Groups: who sent the latest messages (parallel vectors, oldest first).
  std::vector<std::int64_t> recent_seqs;
  std::vector<id64> recent_senders;
  std::vector<id64> blockers; // 1:1: members who block the other
};

struct media_info {
  std::string media_id;
  id64 owner = 0;
  std::int64_t size = 0;
  std::string sha256;
  std::string content_type;
};

struct sync_page {
  std::vector<std::string> frames;
  bool more = false;
  // Per frame: its conversation and seq (for acknowledging what was read).
  std::vector<id64> conversations;
  std::vector<std::int64_t> seqs;
};

// A new group: `members` are the others (the creator becomes its admin).
struct group_spec {
  id64 creator = 0;
  std::string title;
  std::vector<id64> members;
};

// Asked of a group's conversation actor: `by` adds `users`, or removes
// them (themself: they leave).
struct membership_change {
  id64 by = 0;
  bool add = false;
  std::vector<id64> users;
};

// What the store commits for a membership change, atomically: the system
// message and the member rows.
struct membership_record {
  message_record message;
  std::vector<id64> added;
  std::vector<id64> removed;
  std::vector<id64> new_admins; // promoted because no admin was left
};

// A session's websocket, handed to its user's presence actor when both are
// on the same node, so that deliveries go from the presence actor straight
// to the socket's strand instead of through the session actor (one actor
// hop less per delivered frame). Null for a long-poll device. It never
// crosses nodes (it cannot be serialised): a presence actor on another node
// delivers through the session actor.
struct session_link {
  std::shared_ptr<net::ws_link> socket;
};

// What a push notification says about a message (never its body).
struct push_note {
  id64 conversation = 0;
  id64 msg_id = 0;
  std::int64_t seq = 0;
  id64 from = 0;
  std::int64_t ts = 0;
};

// A user's stored presence.
struct presence_record {
  std::int64_t last_seen = 0; // 0: never seen
  std::string privacy = "everyone";
  std::vector<id64> blocked; // whom this user blocks
};

// One user a viewer subscribes to.
struct presence_target {
  id64 user = 0;
  bool contact = false; // they share a conversation
};

// What a subscription needs to know about the viewer and the targets that
// exist (unknown users are absent).
struct presence_view {
  std::string viewer_privacy = "everyone";
  std::vector<presence_target> targets;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, login_request& x) {
  return f(caf::meta::type_name("login_request"), x.username, x.password,
           x.device_name, x.device_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, login_result& x) {
  return f(caf::meta::type_name("login_result"), x.token, x.user_id, x.device_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, identity& x) {
  return f(caf::meta::type_name("identity"), x.user_id, x.device_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outgoing_message& x) {
  return f(caf::meta::type_name("outgoing_message"), x.conversation, x.sender,
           x.sender_device, x.client_id, x.body, x.media);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, message_record& x) {
  return f(caf::meta::type_name("message_record"), x.msg, x.client_id, x.withheld,
           x.media);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, persist_result& x) {
  return f(caf::meta::type_name("persist_result"), x.stored, x.duplicate);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ack_info& x) {
  return f(caf::meta::type_name("ack_info"), x.msg_id, x.conversation, x.seq, x.ts);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, receipt_update& x) {
  return f(caf::meta::type_name("receipt_update"), x.conversation, x.user,
           x.device, x.read, x.up_to);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_info& x) {
  return f(caf::meta::type_name("member_info"), x.user_id, x.delivered_seq,
           x.read_seq, x.admin, x.joined_seq);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, conversation_info& x) {
  return f(caf::meta::type_name("conversation_info"), x.kind, x.title, x.members,
           x.last_seq, x.recent_seqs, x.recent_senders, x.blockers);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, media_info& x) {
  return f(caf::meta::type_name("media_info"), x.media_id, x.owner, x.size,
           x.sha256, x.content_type);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, push_note& x) {
  return f(caf::meta::type_name("push_note"), x.conversation, x.msg_id, x.seq, x.from,
           x.ts);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sync_page& x) {
  return f(caf::meta::type_name("sync_page"), x.frames, x.more, x.conversations, x.seqs);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_spec& x) {
  return f(caf::meta::type_name("group_spec"), x.creator, x.title, x.members);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, membership_change& x) {
  return f(caf::meta::type_name("membership_change"), x.by, x.add, x.users);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, membership_record& x) {
  return f(caf::meta::type_name("membership_record"), x.message, x.added, x.removed,
           x.new_admins);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, presence_record& x) {
  return f(caf::meta::type_name("presence_record"), x.last_seen, x.privacy, x.blocked);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, presence_target& x) {
  return f(caf::meta::type_name("presence_target"), x.user, x.contact);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, presence_view& x) {
  return f(caf::meta::type_name("presence_view"), x.viewer_privacy, x.targets);
}

} // namespace parley

// Local messages only (see session_link).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(parley::session_link)
