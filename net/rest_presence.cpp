// Presence subscriptions for long-polling devices, /v1/me/privacy and
// /v1/blocks.
#include "net/rest_handlers.hpp"

namespace parley::net {

// POST /v1/presence/(un)subscribe {"users": [...]}: the websocket frames
// for a long-polling device; the presence frames come in its polls.
void rest_handlers::watch_presence(http_request req, bool on, responder respond) {
  authorized_frame<wire::watch_frame>(
    std::move(req), on ? "presence.subscribe" : "presence.unsubscribe", respond,
    [=](const identity& who, const wire::watch_frame& frame) {
      ask<bool>(directory_, ctx_->request_timeout * 2, respond, no_content(respond),
                poll_atom::value, who, subscribe_atom::value, frame.users, on);
    });
}

void rest_handlers::set_block(const http_request& req, const std::string& user_text, bool on,
               responder respond) {
  auto other = path_id(user_text);
  if (!other)
    return respond(error_response(400, "invalid_parameter", "user id must be a decimal id"));
  authorized(req, respond, [=](const identity& who) {
    ask<id64>(
      queries_, ctx_->request_timeout, respond,
      [=](id64 conv) {
        // Committed; answered once the pair's conversation actor knows.
        ask<bool>(
          directory_, ctx_->request_timeout, respond,
          no_content(respond),
          block_atom::value, who.user_id, *other, on, conv);
      },
      block_atom::value, who.user_id, *other, on);
  });
}

void rest_handlers::list_blocks(const http_request& req, responder respond) {
  authorized(req, respond, [=](const identity& who) {
    ask<std::vector<wire::block_row>>(queries_, ctx_->request_timeout, respond,
                                      written_ok(respond, wire::blocks_body), blocks_atom::value,
                                      who.user_id);
  });
}

void rest_handlers::set_privacy(http_request req, responder respond) {
  authorized_json(std::move(req), respond, [=](const identity& who, const json& doc) {
    if (!doc.contains("last_seen"))
      return respond(error_response(400, "missing_field", "field 'last_seen' is required"));
    auto setting = string_field(doc, "last_seen");
    if (!setting || (*setting != "everyone" && *setting != "contacts" && *setting != "nobody"))
      return respond(error_response(
        400, "invalid_field", "'last_seen' must be \"everyone\", \"contacts\" or \"nobody\""));
    ask<bool>(
      queries_, ctx_->request_timeout, respond,
      [=](bool) {
        caf::anon_send(directory_, privacy_atom::value, who.user_id, *setting);
        respond(json_response(200, json{{"last_seen", *setting}}.dump()));
      },
      privacy_atom::value, who.user_id, *setting);
  });
}

void rest_handlers::get_privacy(const http_request& req, responder respond) {
  authorized(req, respond, [=](const identity& who) {
    ask<std::string>(
      queries_, ctx_->request_timeout, respond,
      [=](std::string& setting) {
        respond(json_response(200, json{{"last_seen", setting}}.dump()));
      },
      privacy_atom::value, who.user_id);
  });
}

} // namespace parley::net
