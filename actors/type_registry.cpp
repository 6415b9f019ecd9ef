#include "actors/type_registry.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system_config.hpp>

#include <vector>

#include "actors/call_messages.hpp"
#include "actors/conversation_messages.hpp"
#include "actors/delivery_messages.hpp"
#include "actors/errors.hpp"
#include "actors/store_messages.hpp"

namespace parley {

void register_types(caf::actor_system_config& cfg) {
  register_error_renderer(cfg);
  cfg.add_message_type<login_request>("parley::login_request")
    .add_message_type<login_result>("parley::login_result")
    .add_message_type<identity>("parley::identity")
    .add_message_type<outgoing_message>("parley::outgoing_message")
    .add_message_type<wire::shared_text>("parley::shared_text")
    .add_message_type<wire::device_frames>("parley::device_frames")
    .add_message_type<wire::stored_message>("parley::stored_message")
    .add_message_type<std::vector<wire::stored_message>>("std::vector<parley::stored_message>")
    .add_message_type<wire::user_ref>("parley::user_ref")
    .add_message_type<wire::device_row>("parley::device_row")
    .add_message_type<std::vector<wire::device_row>>("std::vector<parley::device_row>")
    .add_message_type<password_change>("parley::password_change")
    .add_message_type<user_secret>("parley::user_secret")
    .add_message_type<wire::block_row>("parley::block_row")
    .add_message_type<std::vector<wire::block_row>>("std::vector<parley::block_row>")
    .add_message_type<wire::conversation_details>("parley::conversation_details")
    .add_message_type<wire::conversation_summary>("parley::conversation_summary")
    .add_message_type<std::vector<wire::conversation_summary>>(
      "std::vector<parley::conversation_summary>")
    .add_message_type<wire::receipt_summary>("parley::receipt_summary")
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
    .add_message_type<member_devices>("parley::member_devices")
    .add_message_type<send_recheck>("parley::send_recheck")
    .add_message_type<recheck_result>("parley::recheck_result")
    .add_message_type<key_claim>("parley::key_claim")
    .add_message_type<own_key_status>("parley::own_key_status")
    .add_message_type<claimed_bundles>("parley::claimed_bundles")
    .add_message_type<call_request>("parley::call_request")
    .add_message_type<call_input>("parley::call_input")
    .add_message_type<call_summary>("parley::call_summary")
    .add_message_type<ring_reply>("parley::ring_reply")
    .add_message_type<offer_verdict>("parley::offer_verdict")
    .add_message_type<wire::call_push>("parley::call_push")
    .add_message_type<std::vector<caf::actor>>("std::vector<caf::actor>")
    .add_message_type<std::vector<id64>>("std::vector<int64_t>");
}

} // namespace parley
