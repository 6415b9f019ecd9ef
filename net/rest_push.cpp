// PUT and DELETE /v1/devices/current/push.
#include "net/rest_handlers.hpp"

namespace parley::net {

namespace {

constexpr std::size_t max_push_token_chars = 4096;

} // namespace

// PUT {"token": T} registers this device's push token (replacing any);
// DELETE removes it. Logged-out devices' tokens are never used.
void rest_handlers::set_push_token(http_request req, bool put, responder respond) {
  auto store = [=](const identity& who, std::string token) {
    ask<bool>(queries_, ctx_->request_timeout, respond, no_content(respond),
              push_token_atom::value, who.device_id, std::move(token));
  };
  if (!put)
    return authorized(req, respond, [=](const identity& who) { store(who, {}); });
  authorized_json(std::move(req), respond, [=](const identity& who, const json& body) {
    if (!body.contains("token"))
      return respond(error_response(400, "missing_field", "field 'token' is required"));
    auto field = string_field(body, "token");
    if (!field || field->empty() || field->size() > max_push_token_chars
        || !printable_ascii(*field))
      return respond(error_response(
        400, "invalid_field",
        "'token' must be a string of 1 to 4096 printable ASCII characters"));
    store(who, *field);
  });
}

} // namespace parley::net
