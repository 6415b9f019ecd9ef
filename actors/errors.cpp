#include "actors/errors.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>

#include <array>

namespace parley {

namespace {

constexpr caf::atom_value category = caf::atom("parley");

// Indexed by errc (which starts at 1): every error's name (for logs), wire
// code, HTTP status and default message, in one place for the websocket and
// REST paths. Several errors share a wire code: a client only needs to know
// that it may retry.
constexpr std::array<error_info, 48> table{{
  {errc{0}, "none", "internal", 500, "internal error"},
  {errc::unavailable, "unavailable", "unavailable", 503,
   "the database is unreachable, retry later"},
  {errc::no_such_user, "no_such_user", "no_such_user", 404, "no such user"},
  {errc::no_such_conversation, "no_such_conversation", "no_such_conversation", 404,
   "no such conversation"},
  {errc::not_a_member, "not_a_member", "not_a_member", 403,
   "you are not a member of this conversation"},
  {errc::username_taken, "username_taken", "username_taken", 409, "this username is taken"},
  {errc::bad_credentials, "bad_credentials", "bad_credentials", 401,
   "wrong username or password"},
  {errc::unauthorized, "unauthorized", "unauthorized", 401,
   "missing, invalid or revoked token"},
  {errc::seq_conflict, "seq_conflict", "unavailable", 503, "conflicting write, retry"},
  {errc::internal, "internal", "internal", 500, "internal error"},
  {errc::no_such_media, "no_such_media", "no_such_media", 404, "no such media"},
  {errc::not_a_group, "not_a_group", "not_a_group", 400,
   "this is a 1:1 conversation, not a group"},
  {errc::not_admin, "not_admin", "not_admin", 403, "only a group admin may do this"},
  {errc::already_member, "already_member", "already_member", 409,
   "already a member of this group"},
  {errc::no_such_member, "no_such_member", "no_such_member", 404, "not a member of this group"},
  {errc::too_many_members, "too_many_members", "too_many_members", 400,
   "the group would exceed its size limit"},
  {errc::no_such_message, "no_such_message", "no_such_message", 404,
   "no message with this seq"},
  {errc::blocked, "blocked", "blocked", 403,
   "you block this user: unblock them to send messages"},
  {errc::cannot_block_self, "cannot_block_self", "cannot_block_self", 400,
   "you cannot block yourself"},
  {errc::invalid_cursor, "invalid_cursor", "invalid_cursor", 400,
   "this cursor was not issued to this device"},
  {errc::quota_exceeded, "quota_exceeded", "quota_exceeded", 413,
   "this upload would exceed your storage quota"},
  {errc::too_many_subscriptions, "too_many_subscriptions", "too_many_subscriptions", 400,
   "a device may watch at most 1000 users (nothing subscribed)"},
  {errc::duplicate_node, "duplicate_node", "duplicate_node_id", 503,
   "a live node already has this node id"},
  {errc::not_owner, "not_owner", "unavailable", 503, "the cluster is moving this actor, retry"},
  {errc::not_cluster_member, "not_cluster_member", "forbidden", 403,
   "only admitted cluster members may ask this"},
  {errc::too_many_attempts, "too_many_attempts", "too_many_attempts", 429,
   "too many attempts: wait and try again"},
  {errc::too_many_devices, "too_many_devices", "too_many_devices", 409,
   "this account has the most devices allowed: remove one first"},
  {errc::no_such_device, "no_such_device", "no_such_device", 404,
   "no such device on this account"},
  {errc::overloaded, "overloaded", "unavailable", 503,
   "the server is busy: retry in a moment"},
  {errc::fault_injection_off, "fault_injection_off", "not_found", 404,
   "fault injection is not enabled on the node that holds this actor"},
  {errc::too_many_uploads, "too_many_uploads", "too_many_uploads", 429,
   "too many uploads at once: finish one first"},
  {errc::not_sender, "not_sender", "not_sender", 403,
   "only the sender of a message sees who received and read it"},
  {errc::too_many_groups, "too_many_groups", "too_many_groups", 429,
   "you created the most groups allowed in a day: try again later"},
  {errc::missing_field, "missing_field", "missing_field", 400, "a required field is missing"},
  {errc::too_many_prekeys, "too_many_prekeys", "too_many_prekeys", 400,
   "too many one-time prekeys"},
  {errc::bad_key, "bad_key", "bad_key", 400, "a key is not B64 of exactly 32 bytes"},
  {errc::bad_signature, "bad_signature", "bad_signature", 400, "a signature does not verify"},
  {errc::identity_mismatch, "identity_mismatch", "identity_mismatch", 409,
   "this device already has another identity"},
  {errc::prekey_id_reused, "prekey_id_reused", "prekey_id_reused", 409,
   "a prekey id was used before with another key"},
  {errc::rate_limited, "rate_limited", "rate_limited", 429, "too many requests: slow down"},
  {errc::stale_devices, "stale_devices", "stale_devices", 409,
   "the envelopes do not match the conversation's current devices"},
  {errc::no_devices, "no_devices", "no_devices", 400,
   "nobody in this conversation has a device with keys, and the send has no body"},
  {errc::invalid_field, "invalid_field", "invalid_field", 400, "a field has the wrong form"},
  {errc::invalid_recipient, "invalid_recipient", "invalid_recipient", 400,
   "you cannot call yourself"},
  {errc::no_such_call, "no_such_call", "no_such_call", 404,
   "no such call on this connection"},
  {errc::call_already_answered, "call_already_answered", "call_already_answered", 409,
   "this call was answered already"},
  {errc::call_not_answered, "call_not_answered", "call_not_answered", 409,
   "this call has not been answered yet"},
  {errc::turn_not_configured, "turn_not_configured", "turn_not_configured", 404,
   "this server hands out no TURN credentials"},
}};
static_assert(table.size() == static_cast<std::size_t>(errc::turn_not_configured) + 1,
              "every errc needs a row");

constexpr bool rows_in_order() {
  for (std::size_t i = 0; i < table.size(); ++i)
    if (static_cast<std::size_t>(table[i].id) != i)
      return false;
  return true;
}
static_assert(rows_in_order(), "row i of the table is errc i");

// CAF's own failures: a timeout, a dead or unreachable actor.
constexpr error_info transient{errc{0}, "caf", "unavailable", 503,
                               "the service is temporarily unavailable, retry"};

} // namespace

caf::error make_error(errc code) {
  return {static_cast<std::uint8_t>(code), category};
}

caf::error make_error(errc code, std::string message, std::string details) {
  return {static_cast<std::uint8_t>(code), category,
          caf::make_message(std::move(message), std::move(details))};
}

const error_info& info(errc code) {
  auto i = static_cast<std::size_t>(code);
  return i < table.size() ? table[i] : table[0];
}

const error_info& info(const caf::error& err) {
  if (err.category() != category)
    return transient;
  return info(static_cast<errc>(err.code()));
}

std::string wire_code(const caf::error& err) {
  return std::string{info(err).code};
}

std::string describe(const caf::error& err) {
  auto& context = err.context();
  if (err.category() == category && context.match_elements<std::string, std::string>())
    return context.get_as<std::string>(0);
  return std::string{info(err).message};
}

std::string details_of(const caf::error& err) {
  auto& context = err.context();
  if (err.category() == category && context.match_elements<std::string, std::string>())
    return context.get_as<std::string>(1);
  return {};
}

void register_error_renderer(caf::actor_system_config& cfg) {
  cfg.add_error_category(category, [](std::uint8_t code, caf::atom_value,
                                      const caf::message&) -> std::string {
    auto name = code < table.size() ? table[code].name : std::string_view{"unknown"};
    return "parley." + std::string{name};
  });
}

} // namespace parley
