// GET /v1/devices, DELETE /v1/devices/{id} and POST /v1/me/password: a
// user's own devices, and taking them back.
#include "net/rest_handlers.hpp"
#include "wire/credentials.hpp"

namespace parley::net {

void rest_handlers::list_devices(const http_request& req, responder respond) {
  authorized(req, respond, [=](const identity& who) {
    ask<std::vector<wire::device_row>>(
      queries_, ctx_->request_timeout, respond,
      [=](const std::vector<wire::device_row>& rows) {
        respond(json_response(200, wire::devices_body(rows, who.device_id)));
      },
      devices_atom::value, who.user_id);
  });
}

// Committed first, then the device's live websockets are closed with 4401
// wherever they are (its user's presence actor holds them).
void rest_handlers::remove_device(const http_request& req, const std::string& device_text,
                                  responder respond) {
  auto device = path_id(device_text);
  if (!device)
    return respond(error_response(400, "invalid_parameter", "device id must be a decimal id"));
  authorized(req, respond, [=](const identity& who) {
    ask<bool>(
      queries_, ctx_->request_timeout, respond,
      [=](bool) {
        caf::anon_send(directory_, revoke_atom::value, who.user_id, *device);
        after_devices_changed(who.user_id,
                              [=] { respond(make_response(204, "application/json", "")); });
      },
      unlink_atom::value, who.user_id, *device);
  });
}

// Checks the old password (throttled like a login of this account), sets
// the new one and signs every other device out.
void rest_handlers::change_password(http_request req, responder respond) {
  authorized_json(std::move(req), respond, [=](const identity& who, const json& doc) {
    auto old_password = string_field(doc, "old_password");
    auto new_password = string_field(doc, "new_password");
    if (!old_password || !new_password)
      return respond(error_response(400, "missing_field",
                                    "'old_password' and 'new_password' must be strings"));
    if (auto weakness = credentials::password_weakness(*new_password))
      return respond(error_response(400, "weak_password", *weakness));
    auto account = "user:" + id_to_string(who.user_id);
    auto fresh = *new_password;
    auto store_new = [=](id64) {
      ask<std::string>(
        hasher_, hash_timeout, respond,
        [=](const std::string& hash) {
          ask<std::vector<id64>>(
            queries_, ctx_->request_timeout, respond,
            [=](const std::vector<id64>& signed_out) {
              for (auto device : signed_out)
                caf::anon_send(directory_, revoke_atom::value, who.user_id, device);
              after_devices_changed(
                who.user_id, [=] { respond(make_response(204, "application/json", "")); });
            },
            password_atom::value, password_change{who, hash});
        },
        hash_atom::value, fresh);
    };
    unless_throttled(
      respond,
      [=] {
        check_password(who.user_id, *old_password, respond, store_new,
                       account);
      },
      login_atom::value, account, std::string{"password-change"});
  });
}

} // namespace parley::net
