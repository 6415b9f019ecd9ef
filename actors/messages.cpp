#include "actors/messages.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/sec.hpp>

namespace parley {

namespace {

constexpr caf::atom_value category = caf::atom("parley");

} // namespace

caf::error make_error(errc code) {
  return {static_cast<std::uint8_t>(code), category};
}

const char* wire_code(errc code) {
  switch (code) {
    case errc::unavailable: return "unavailable";
    case errc::no_such_user: return "no_such_user";
    case errc::no_such_conversation: return "no_such_conversation";
    case errc::not_a_member: return "not_a_member";
    case errc::username_taken: return "username_taken";
    case errc::bad_credentials: return "bad_credentials";
    case errc::unauthorized: return "unauthorized";
    case errc::seq_conflict: return "unavailable";
    case errc::internal: return "internal";
    case errc::no_such_media: return "no_such_media";
    case errc::not_a_group: return "not_a_group";
    case errc::not_admin: return "not_admin";
    case errc::already_member: return "already_member";
    case errc::no_such_member: return "no_such_member";
    case errc::too_many_members: return "too_many_members";
    case errc::no_such_message: return "no_such_message";
    case errc::blocked: return "blocked";
    case errc::cannot_block_self: return "cannot_block_self";
    case errc::invalid_cursor: return "invalid_cursor";
    case errc::quota_exceeded: return "quota_exceeded";
    case errc::too_many_subscriptions: return "too_many_subscriptions";
    case errc::duplicate_node: return "duplicate_node_id";
    case errc::not_owner: return "unavailable";
  }
  return "internal";
}

std::string wire_code(const caf::error& err) {
  if (err.category() == category)
    return wire_code(static_cast<errc>(err.code()));
  return "unavailable";
}

std::string describe(const caf::error& err) {
  if (err.category() != category)
    return "the service is temporarily unavailable, retry";
  switch (static_cast<errc>(err.code())) {
    case errc::unavailable:
      return "the database is unreachable, retry later";
    case errc::no_such_user: return "no such user";
    case errc::no_such_conversation: return "no such conversation";
    case errc::not_a_member: return "you are not a member of this conversation";
    case errc::username_taken: return "this username is taken";
    case errc::bad_credentials: return "wrong username or password";
    case errc::unauthorized: return "missing, invalid or revoked token";
    case errc::seq_conflict: return "conflicting write, retry";
    case errc::internal: return "internal error";
    case errc::no_such_media: return "no such media";
    case errc::not_a_group: return "this is a 1:1 conversation, not a group";
    case errc::not_admin: return "only a group admin may do this";
    case errc::already_member: return "already a member of this group";
    case errc::no_such_member: return "not a member of this group";
    case errc::too_many_members: return "the group would exceed its size limit";
    case errc::no_such_message: return "no message with this seq";
    case errc::blocked: return "you block this user: unblock them to send messages";
    case errc::cannot_block_self: return "you cannot block yourself";
    case errc::invalid_cursor: return "this cursor was not issued to this device";
    case errc::quota_exceeded: return "this upload would exceed your storage quota";
    case errc::too_many_subscriptions:
      return "a device may watch at most 1000 users (nothing subscribed)";
    case errc::duplicate_node: return "a live node already has this node id";
    case errc::not_owner: return "the cluster is moving this actor, retry";
  }
  return "internal error";
}

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<login_request>("parley::login_request")
    .add_message_type<login_result>("parley::login_result")
    .add_message_type<identity>("parley::identity")
    .add_message_type<outgoing_message>("parley::outgoing_message")
    .add_message_type<wire::stored_message>("parley::stored_message")
    .add_message_type<message_record>("parley::message_record")
    .add_message_type<persist_result>("parley::persist_result")
    .add_message_type<ack_info>("parley::ack_info")
    .add_message_type<receipt_update>("parley::receipt_update")
    .add_message_type<member_info>("parley::member_info")
    .add_message_type<conversation_info>("parley::conversation_info")
    .add_message_type<sync_page>("parley::sync_page")
    .add_message_type<media_info>("parley::media_info")
    .add_message_type<push_note>("parley::push_note")
    .add_message_type<std::vector<media_info>>("std::vector<parley::media_info>")
    .add_message_type<group_spec>("parley::group_spec")
    .add_message_type<membership_change>("parley::membership_change")
    .add_message_type<membership_record>("parley::membership_record")
    .add_message_type<presence_record>("parley::presence_record")
    .add_message_type<presence_target>("parley::presence_target")
    .add_message_type<presence_view>("parley::presence_view")
    .add_message_type<std::vector<presence_target>>("std::vector<parley::presence_target>")
    .add_message_type<std::vector<caf::actor>>("std::vector<caf::actor>")
    .add_message_type<std::vector<id64>>("std::vector<int64_t>");
}

} // namespace parley
