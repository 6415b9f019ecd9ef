// Presence subscriptions for long-polling devices, /v1/me/privacy and
// /v1/blocks.
#include "net/rest_handlers.hpp"

namespace parley::net {

// POST /v1/presence/(un)subscribe {"users": [...]}: the websocket frames
// for a long-polling device; the presence frames come in its polls.
void rest_handlers::watch_presence(const http_request& req, bool on, responder respond) {
  auto frame = body_as_frame<wire::watch_frame>(
    req, on ? "presence.subscribe" : "presence.unsubscribe", respond);
  if (!frame)
    return;
  auto users = frame->users;
  authorized(req, respond, [=](const identity& who) {
    ask<bool>(
      directory_, ctx_->request_timeout * 2, respond,
      no_content(respond),
      poll_atom::value, who, subscribe_atom::value, users, on);
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

void rest_handlers::set_privacy(const http_request& req, responder respond) {
  auto body = json_object(req, respond);
  if (!body)
    return;
  auto& doc = *body;
  if (!doc.contains("last_seen"))
    return respond(error_response(400, "missing_field", "field 'last_seen' is required"));
  auto setting = string_field(doc, "last_seen");
  if (!setting || (*setting != "everyone" && *setting != "contacts" && *setting != "nobody"))
    return respond(error_response(
      400, "invalid_field", "'last_seen' must be \"everyone\", \"contacts\" or \"nobody\""));
  authorized(req, respond, [=](const identity& who) {
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
