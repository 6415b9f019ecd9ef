#pragma once
// The errors actors answer with, and the one table that says what each
// means on the wire (websocket `error` frames and REST bodies share the
// code), as an HTTP status and in words (actors/errors.cpp).
#include <caf/fwd.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace parley {

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
  not_cluster_member,   // a cluster request from a node this one has not admitted
  too_many_attempts,    // login or sign-up throttled: wait Retry-After
  too_many_devices,     // the user has --max-devices-per-user devices already
  no_such_device,       // not one of the caller's devices
  overloaded,           // a bounded pool is full (Argon2): shed, retry later
  fault_injection_off,  // the fault hook of a node started without the flag
  too_many_uploads,     // a user's concurrent uploads on this node are capped
  not_sender,           // per-member receipts are for the message's sender only
  too_many_groups,      // --max-groups-per-day reached
  // The key directory (../shared/E2E.md §4), refused uploads in the order
  // they are checked (wire/e2e/key_directory.hpp):
  missing_field,
  too_many_prekeys,
  bad_key,
  bad_signature,
  identity_mismatch,
  prekey_id_reused,
  rate_limited,         // bundle claims past the per-user budget
  // Envelopes on send (§9):
  stale_devices,        // the envelopes' devices are not the required set
  no_devices,           // neither a body nor any required device
  invalid_field,        // a field of the wrong form, found past the parser
  // Calls (../shared/CALLS.md, "Errors"):
  invalid_recipient,    // calling yourself
  no_such_call,         // ended, unknown, or not this connection's call
  call_already_answered,
  call_not_answered,
  turn_not_configured,  // GET /v1/turn on a node without --turn-secret-file
};

// One row of the table.
struct error_info {
  errc id;
  std::string_view name;    // the errc enumerator, for logs
  std::string_view code;    // the wire `code`
  int http_status;          // what REST answers with
  std::string_view message; // the default `message`
};

caf::error make_error(errc code);
// With a message more specific than the table's default, and fields the
// error carries besides code and message (JSON object text): both in the
// error's context, so they cross nodes.
caf::error make_error(errc code, std::string message, std::string details = {});
const error_info& info(errc code);
// The row for any error an actor may answer with; CAF's own failures
// (timeouts, dead actors) count as `unavailable`, with a message that says
// to retry.
const error_info& info(const caf::error& err);
std::string wire_code(const caf::error& err);
std::string describe(const caf::error& err);
// The extra fields made with the error (JSON object text), or "".
std::string details_of(const caf::error& err);

// Lets CAF render Parley's errors by name in logs ("parley.no_such_user"
// instead of a category and a number).
void register_error_renderer(caf::actor_system_config& cfg);

} // namespace parley
