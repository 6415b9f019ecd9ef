#pragma once
// A message on its way from a session through its conversation to the store
// and back: sends, records, acks, receipts, members and membership changes.
// Every struct has an `inspect` overload so it can cross nodes.
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "wire/envelopes.hpp"
#include "wire/frame.hpp"
#include "wire/ids.hpp"
#include "actors/wire_inspect.hpp"
#include "wire/shared_text.hpp"
#include "wire/stored_message.hpp"

namespace parley {

// A message on its way from a session through a conversation to the store.
struct outgoing_message {
  id64 conversation = 0;
  id64 sender = 0;
  id64 sender_device = 0;
  std::string client_id;
  wire::shared_text body; // the bytes the websocket reader parsed, shared to the store
  std::vector<std::string> media; // upload ids the message carries
  bool has_body = true;
  wire::shared_envelopes envelopes; // per recipient device (E2E.md §9), if any
  std::string envelopes_fault;      // answered invalid_field after the first checks
  // Written by the server (a call's record, from device 0): no block or
  // device check, never withheld.
  bool system = false;
};

// A parsed send of `user`'s `device`, its parts moved, not copied.
inline outgoing_message outgoing_from(id64 conv, id64 user, id64 device, wire::send_frame&& f) {
  outgoing_message out{conv, user, device, std::move(f.client_id),
                       wire::shared_text{std::move(f.body)}, std::move(f.media), f.has_body,
                       {}, std::move(f.envelopes_fault)};
  if (f.envelopes)
    out.envelopes = wire::shared_envelopes{std::move(*f.envelopes)};
  return out;
}

// A message on its way from a conversation to its store.
struct message_record {
  wire::stored_message msg;
  std::string client_id;
  bool withheld = false; // from the recipient, who blocked the sender
  std::vector<std::string> media;
  wire::shared_envelopes envelopes; // one row each, with the message's
  // The sender's first message here as far as the conversation knows: the
  // store also marks that they took part.
  bool first_from_sender = false;
};

// What the store committed. A new message is the one the conversation sent
// (it is not sent back); for a retried client id, the message that the
// earlier attempt stored.
struct persist_result {
  bool duplicate = false;
  wire::stored_message earlier; // set when `duplicate`
};

// What a session needs to acknowledge a send.
struct ack_info {
  id64 msg_id = 0;
  id64 conversation = 0;
  std::int64_t seq = 0;
  std::int64_t ts = 0;
  bool duplicate = false; // the client id was stored before
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
  bool took_part = false; // has sent a message here (last-seen "contacts")
};

struct conversation_info {
  std::string kind;
  std::string title;
  std::vector<member_info> members;
  std::int64_t last_seq = 0;
  std::int64_t last_ts = 0; // when last_seq was stamped (0: no message)
  // Groups: who sent the latest messages (parallel vectors, oldest first).
  std::vector<std::int64_t> recent_seqs;
  std::vector<id64> recent_senders;
  std::vector<id64> blockers; // 1:1: members who block the other
};

// Users' current devices with keys (E2E.md §9), as pairs in numeric order
// of device: what every encrypted send to them must address.
struct member_devices {
  std::vector<id64> users;
  std::vector<id64> devices;
};

// An encrypted send about to be refused, read afresh before it is: was its
// client id stored already, which devices are required now, and whose are
// the devices it named.
struct send_recheck {
  std::vector<id64> members;
  id64 sender_device = 0;
  std::string client_id;
  std::vector<id64> named;
};

struct recheck_result {
  bool stored = false;
  wire::stored_message earlier; // when `stored`
  member_devices required;      // of the members
  member_devices owners;        // of the named devices that are or were devices
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

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outgoing_message& x) {
  return f(caf::meta::type_name("outgoing_message"), x.conversation, x.sender,
           x.sender_device, x.client_id, x.body, x.media, x.has_body, x.envelopes,
           x.envelopes_fault, x.system);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, message_record& x) {
  return f(caf::meta::type_name("message_record"), x.msg, x.client_id, x.withheld,
           x.media, x.envelopes, x.first_from_sender);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_devices& x) {
  return f(caf::meta::type_name("member_devices"), x.users, x.devices);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, send_recheck& x) {
  return f(caf::meta::type_name("send_recheck"), x.members, x.sender_device, x.client_id,
           x.named);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recheck_result& x) {
  return f(caf::meta::type_name("recheck_result"), x.stored, x.earlier, x.required, x.owners);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, persist_result& x) {
  return f(caf::meta::type_name("persist_result"), x.duplicate, x.earlier);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ack_info& x) {
  return f(caf::meta::type_name("ack_info"), x.msg_id, x.conversation, x.seq, x.ts,
           x.duplicate);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, receipt_update& x) {
  return f(caf::meta::type_name("receipt_update"), x.conversation, x.user,
           x.device, x.read, x.up_to);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_info& x) {
  return f(caf::meta::type_name("member_info"), x.user_id, x.delivered_seq,
           x.read_seq, x.admin, x.joined_seq, x.took_part);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, conversation_info& x) {
  return f(caf::meta::type_name("conversation_info"), x.kind, x.title, x.members,
           x.last_seq, x.last_ts, x.recent_seqs, x.recent_senders, x.blockers);
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

} // namespace parley
