// POST /v1/users, POST /v1/sessions, DELETE /v1/sessions/current,
// GET /v1/users/by-name/{name}.
#include "actors/errors.hpp"
#include "net/rest_handlers.hpp"
#include "wire/credentials.hpp"

#include <algorithm>

namespace parley::net {

void rest_handlers::create_user(const http_request& req, responder respond) {
  auto body = json_object(req.body, respond);
  if (!body)
    return;
  auto& doc = *body;
  auto username = string_field(doc, "username");
  auto password = string_field(doc, "password");
  if (!username)
    return respond(error_response(400, "invalid_username",
                                  "field 'username' must be a string"));
  if (auto problem = credentials::username_problem(*username))
    return respond(error_response(400, "invalid_username", *problem));
  if (!password)
    return respond(error_response(400, "weak_password",
                                  "field 'password' must be a string"));
  if (auto weakness = credentials::password_weakness(*password))
    return respond(error_response(400, "weak_password", *weakness));
  auto name = *username, secret = *password;
  unless_throttled(
    respond,
    [=] {
      ask<std::string>(
        hasher_, hash_timeout, respond,
        [=](const std::string& hash) {
          ask<id64>(
            queries_, ctx_->request_timeout, respond,
            [=](id64 user_id) {
              respond(json_response(201, json{{"user_id", id_to_string(user_id)}}.dump()));
            },
            signup_atom::value, name, hash);
        },
        hash_atom::value, secret);
    },
    signup_atom::value, req.source);
}

http_response rest_handlers::too_many_attempts(std::int64_t wait_ms) {
  return retry_after_response("too_many_attempts", "too many attempts", wait_ms);
}

void rest_handlers::login(const http_request& req, responder respond) {
  auto body = json_object(req.body, respond);
  if (!body)
    return;
  auto& doc = *body;
  login_request lr;
  auto username = string_field(doc, "username");
  auto password = string_field(doc, "password");
  if (!username || !password)
    return respond(error_response(400, "missing_field",
                                  "'username' and 'password' must be strings"));
  if (doc.contains("device_name") && !doc["device_name"].is_null()) {
    auto name = string_field(doc, "device_name");
    if (!name || name->size() > 128)
      return respond(error_response(400, "invalid_field",
                                    "'device_name' must be a string of at most 128 characters"));
    lr.device_name = *name;
  }
  if (doc.contains("device_id") && !doc["device_id"].is_null()) {
    auto raw = string_field(doc, "device_id");
    auto id = raw ? parse_id(*raw) : std::nullopt;
    if (!id)
      return respond(error_response(400, "invalid_field",
                                    "'device_id' must be an id as a decimal string"));
    lr.device_id = *id;
  }
  auto name = *username;
  // Throttled before Argon2 runs. The password is checked by the hasher;
  // only a wrong one counts against the username (an outage locks nobody
  // out).
  unless_throttled(
    respond,
    [=] {
      check_password(
        name, *password, respond, [=](id64 user_id) {
          auto signed_in = lr;
          signed_in.user_id = user_id;
          ask<login_result>(
            queries_, ctx_->request_timeout, respond,
            [=](const login_result& r) {
              respond(json_response(200, json{{"token", r.token},
                                              {"user_id", id_to_string(r.user_id)},
                                              {"device_id", id_to_string(r.device_id)}}
                                           .dump()));
            },
            login_atom::value, signed_in);
        },
        name);
    },
    login_atom::value, name, req.source);
}

// Revokes the token, then ends the device's live websockets (they get
// `unauthorized` and close 4401, like any connection with a bad token).
void rest_handlers::logout(const http_request& req, responder respond) {
  authorized(req, respond, [=, token = bearer_token(req)](const identity& who) {
    ask<bool>(
      queries_, ctx_->request_timeout, respond,
      [=](bool) {
        caf::anon_send(directory_, revoke_atom::value, who.user_id, who.device_id);
        after_devices_changed(who.user_id,
                              [=] { respond(make_response(204, "application/json", "")); });
      },
      revoke_atom::value, token);
  });
}

// Lookups are throttled per source address: they tell which usernames
// exist, so an unthrottled lookup would be a directory of every account.
void rest_handlers::find_user(const http_request& req, std::string username, responder respond) {
  authorized(req, respond, [=, source = req.source](const identity&) {
    unless_throttled(
      respond,
      [=] {
        ask<wire::user_ref>(queries_, ctx_->request_timeout, respond,
                            written_ok(respond, wire::user_body), lookup_atom::value,
                            username);
      },
      lookup_atom::value, source);
  });
}

} // namespace parley::net
