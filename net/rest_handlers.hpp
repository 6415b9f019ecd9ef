#pragma once
// The REST API's handlers and their one bridge to the actors: `ask` (a
// short-lived actor requests one actor and answers the connection),
// `authorized` (the bearer token first), `ask_conversation` (through the
// directory). The router is net/rest_api.cpp; the handlers are defined one
// resource per file: rest_accounts, rest_conversations, rest_messages,
// rest_presence, rest_push, rest_media and rest_admin. No Asio thread ever
// waits on an actor.
#include <caf/all.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <variant>

#include "actors/atoms.hpp"
#include "actors/context.hpp"
#include "actors/errors.hpp"
#include "actors/conversation_messages.hpp"
#include "actors/store_messages.hpp"
#include "net/http_types.hpp"
#include "net/rest_api.hpp"
#include "net/rest_util.hpp"
#include "wire/frame.hpp"
#include "wire/records.hpp"
#include "wire/rest_bodies.hpp"

namespace parley {
struct cluster_view;
} // namespace parley

namespace parley::net {

class rest_handlers {
public:
  rest_handlers(caf::actor_system& sys, context_ptr ctx, rest_actors actors)
    : sys_(sys), ctx_(std::move(ctx)), directory_(std::move(actors.directory)),
      queries_(std::move(actors.queries)), membership_(std::move(actors.membership)),
      throttle_(std::move(actors.throttle)), uploads_(std::move(actors.uploads)),
      hasher_(std::move(actors.hasher)) {
  }

  // Before an upload's body is read: the token, then a reservation of the
  // owner's quota and of one of their concurrent uploads.
  void admit_upload(const http_request& head, std::function<void(upload_admission)> reply);

  // The router (net/rest_api.cpp).
  void handle(http_request req, responder respond);

private:
  using milliseconds = std::chrono::milliseconds;

  template <class F>
  static void only(const std::string& method, const char* allowed,
                   const responder& respond, F fn) {
    if (method != allowed)
      return respond(error_response(405, "method_not_allowed",
                                    std::string{"use "} + allowed));
    fn();
  }

  // Two methods on one path: `fn(true)` for `first`, `fn(false)` for `second`.
  template <class F>
  static void either(const std::string& method, const char* first, const char* second,
                     const responder& respond, F fn) {
    if (method != first && method != second)
      return respond(error_response(405, "method_not_allowed",
                                    std::string{"use "} + first + " or " + second));
    fn(method == first);
  }

  // Asks `dest` and calls `ok(result)`, or `failed(error)`.
  template <class Result, class OnOk, class OnError, class... Ts>
  void ask_or(const caf::actor& dest, milliseconds timeout, OnOk ok, OnError failed,
              Ts... xs) {
    // (The target is passed as a spawn argument: CAF 0.17 binds a null
    // reference when a function actor is spawned with no arguments.)
    sys_.spawn(
      [=](caf::event_based_actor* self, const caf::actor& target) {
        self->request(target, timeout, xs...)
          .then([=](Result& result) { ok(result); },
                [=](caf::error& err) { failed(err); });
      },
      dest);
  }

  // Asks `dest` and calls `ok(result)`; failures become error responses.
  template <class Result, class OnOk, class... Ts>
  void ask(const caf::actor& dest, milliseconds timeout, responder respond, OnOk ok,
           Ts... xs) {
    ask_or<Result>(
      dest, timeout, ok, [=](const caf::error& err) { respond(failure_response(err)); },
      xs...);
  }

  // Every node's conversations forget `user`'s devices (one published keys
  // or was signed out), then `then()` runs: the change is in force for any
  // send that follows the answer. Runs `then()` as well if a node is slow.
  template <class Then>
  void after_devices_changed(id64 user, Then then) {
    ask_or<bool>(
      directory_, ctx_->request_timeout, [=](bool) { then(); },
      [=](const caf::error&) { then(); }, devchange_atom::value, user);
  }

  // Asks the throttle (actors/throttle.hpp) and calls `go()`, or answers
  // 429 `too_many_attempts` with Retry-After.
  template <class Go, class... Ts>
  void unless_throttled(responder respond, Go go, Ts... xs) {
    ask<std::int64_t>(
      throttle_, ctx_->request_timeout, respond,
      [=](std::int64_t wait_ms) {
        if (wait_ms <= 0)
          return go();
        respond(too_many_attempts(wait_ms));
      },
      xs...);
  }

  static http_response too_many_attempts(std::int64_t wait_ms);

  // Reads the account's password hash from the store (`who`: a username or
  // a user id), has the hasher check `password` against it and calls
  // `ok(user_id)`; a wrong password (or no such account) answers 401
  // `bad_credentials` and counts against `throttle_key`.
  template <class Who, class OnOk>
  void check_password(Who who, std::string password, responder respond, OnOk ok,
                      std::string throttle_key) {
    ask<user_secret>(
      queries_, ctx_->request_timeout, respond,
      [=](const user_secret& secret) {
        ask<bool>(
          hasher_, hash_timeout, respond,
          [=](bool matches) {
            if (!matches || secret.user_id == 0) {
              caf::anon_send(throttle_, failed_atom::value, throttle_key);
              return respond(failure_response(parley::make_error(parley::errc::bad_credentials)));
            }
            ok(secret.user_id);
          },
          verify_atom::value, password, secret.password_hash);
      },
      secret_atom::value, who);
  }

  // Argon2 may wait behind others in the hasher's queue.
  static constexpr milliseconds hash_timeout{10000};

  // For answers already written as JSON (a long poll's): 200 with that body.
  static auto json_ok(responder respond) {
    return [respond](std::string& body) { respond(json_response(200, std::move(body))); };
  }

  // For the store's records: 200 with `write(record)` (wire/rest_bodies.hpp).
  template <class Write>
  static auto written_ok(responder respond, Write write) {
    return [respond, write](const auto& record) { respond(json_response(200, write(record))); };
  }

  // For requests whose success has no body: 204.
  static auto no_content(responder respond) {
    return [respond](bool) { respond(make_response(204, "application/json", "")); };
  }

  // Checks the bearer token, then calls `ok(identity)`.
  template <class OnOk>
  void authorized(const http_request& req, responder respond, OnOk ok) {
    auto token = bearer_token(req);
    if (token.empty())
      return respond(error_response(401, "unauthorized",
                                    "missing Authorization: Bearer <token>"));
    ask<identity>(queries_, ctx_->request_timeout, respond, ok, auth_atom::value,
                  token);
  }

  // Asks the conversation's actor (found or spawned by the directory).
  template <class Result, class OnOk, class... Ts>
  void ask_conversation(id64 conv, responder respond, OnOk ok, Ts... xs) {
    auto timeout = ctx_->request_timeout;
    sys_.spawn(
      [=](caf::event_based_actor* self, const caf::actor& directory) {
        self->request(directory, timeout, conv_atom::value, conv)
          .then(
            [=](caf::actor& actor) {
              self->request(actor, timeout, xs...)
                .then([=](Result& result) { ok(result); },
                      [=](caf::error& err) { respond(failure_response(err)); });
            },
            [=](caf::error& err) { respond(failure_response(err)); });
      },
      directory_);
  }

  // Checks the bearer token, then parses the JSON body (once, depth
  // limited) and calls `ok(identity, json)`: nothing a stranger sends is
  // parsed. The body moves into the check, it is not copied.
  template <class OnOk>
  void authorized_json(http_request req, responder respond, OnOk ok) {
    auto body = std::make_shared<const std::string>(std::move(req.body));
    authorized(req, respond, [=](const identity& who) {
      if (auto doc = json_object(*body, respond))
        ok(who, *doc);
    });
  }

  // As authorized_json, for a body checked as the websocket frame of type
  // `type` would be (POST /v1/messages is the `send` frame, validated by the
  // same parser): `ok(identity, frame)`.
  template <class Frame, class OnOk>
  void authorized_frame(http_request req, const char* type, responder respond, OnOk ok) {
    auto body = std::make_shared<const std::string>(std::move(req.body));
    authorized(req, respond, [=](const identity& who) {
      if (auto frame = body_as_frame<Frame>(*body, type, respond))
        ok(who, std::move(*frame));
    });
  }

  // The frame, or nullopt once the error has been answered.
  template <class Frame>
  static std::optional<Frame> body_as_frame(const std::string& text, const char* type,
                                            const responder& respond) {
    auto body = json_object(text, respond);
    if (!body)
      return std::nullopt;
    (*body)["type"] = type;
    auto frame = wire::parse_frame_object(*body); // parsed once, never re-serialised
    if (auto* err = std::get_if<wire::frame_error>(&frame)) {
      respond(error_response(err->code == "body_too_large" ? 413 : 400, err->code,
                             err->message));
      return std::nullopt;
    }
    return std::get<Frame>(frame);
  }

  static std::optional<id64> path_id(const std::string& text) {
    return parse_id(text);
  }

  static http_response bad_conversation_id() {
    return error_response(400, "invalid_parameter", "conversation id must be a decimal id");
  }

  // --- accounts and sessions (net/rest_accounts.cpp) -----------------------
  void create_user(const http_request& req, responder respond);

  void login(const http_request& req, responder respond);

  // Revokes the token, then ends the device's live websockets (they get
  // `unauthorized` and close 4401, like any connection with a bad token).
  void logout(const http_request& req, responder respond);

  void find_user(const http_request& req, std::string username, responder respond);

  // --- devices and password (net/rest_devices.cpp) --------------------------
  void list_devices(const http_request& req, responder respond);

  void remove_device(const http_request& req, const std::string& device_text,
                     responder respond);

  void change_password(http_request req, responder respond);

  // --- the key directory (net/rest_keys.cpp) --------------------------------
  void put_keys(http_request req, responder respond);

  void own_keys(const http_request& req, responder respond);

  // GET /v1/keys/{user}[?devices=...]: claims one one-time prekey per
  // device, within the requester's claim budget.
  void claim_keys(const http_request& req, const std::string& user_text,
                  const std::string& query, responder respond);

  void device_identities(const http_request& req, const std::string& user_text,
                         responder respond);

  // --- conversations and groups (net/rest_conversations.cpp) ---------------
  void conversations(const http_request& req, responder respond);

  void history(const http_request& req, const std::string& conv_text,
               const std::string& query, responder respond);

  // Answers a membership change with its system message's place in the
  // conversation.
  static http_response change_response(const ack_info& ack, const char* field,
                                       const std::vector<id64>& users);

  void create_group(http_request req, responder respond);
  void create_group_as(const identity& who, const json& doc, const responder& respond);

  void create_group_now(const group_spec& spec, const responder& respond);

  // Calls `go()` unless one of `users` blocks `adder` (then 403 `blocked`).
  template <class Go>
  void unless_blocked_by(id64 adder, const std::vector<id64>& users, const responder& respond,
                         Go go);

  void conversation(const http_request& req, const std::string& conv_text,
                    responder respond);

  void add_members(http_request req, const std::string& conv_text,
                   responder respond);
  void add_members_as(const identity& who, id64 conv, const json& doc,
                      const responder& respond);

  void remove_member(const http_request& req, const std::string& conv_text,
                     const std::string& user_text, responder respond);

  void receipts(const http_request& req, const std::string& conv_text,
                const std::string& query, responder respond);

  // --- messages and long-poll (net/rest_messages.cpp) ----------------------
  void post_message(http_request req, responder respond);

  // GET /v1/poll?timeout=S&after=CURSOR: see actors/poller.hpp.
  void poll(const http_request& req, const std::string& query, responder respond);

  // --- presence, privacy and blocks (net/rest_presence.cpp) ----------------
  // POST /v1/presence/(un)subscribe {"users": [...]}: the websocket frames
  // for a long-polling device; the presence frames come in its polls.
  void watch_presence(http_request req, bool on, responder respond);

  void set_block(const http_request& req, const std::string& user_text, bool on,
                 responder respond);

  void list_blocks(const http_request& req, responder respond);

  // --- calls (net/rest_turn.cpp) -------------------------------------------
  void turn_credentials(const http_request& req, responder respond);

  void set_privacy(http_request req, responder respond);

  void get_privacy(const http_request& req, responder respond);

  // --- push tokens (net/rest_push.cpp) -------------------------------------
  // PUT {"token": T} registers this device's push token (replacing any);
  // DELETE removes it. Logged-out devices' tokens are never used.
  void set_push_token(http_request req, bool put, responder respond);

  // --- media (net/rest_media.cpp) ------------------------------------------
  // Deletes an uploaded file unless it was kept, whatever way the request
  // ends (bad token, database down, timeout).
  struct file_guard {
    std::string path;
    bool keep = false;
    ~file_guard();
  };

  void upload(const http_request& req, responder respond);

  std::string blob_path(const std::string& sha256) const;

  // Content-addressed: the same bytes uploaded twice are stored once. A
  // second copy only refreshes the blob's modification time (the time a
  // collector would judge its age by) and is dropped with its temp file.
  bool place_blob(file_guard& upload, const std::string& sha256) const;

  void download(const http_request& req, const std::string& media_id, bool head,
                responder respond);

  http_response media_response(const media_info& info, const std::string& range_header,
                               const std::string& if_none_match, bool head);

  // --- health, metrics, cluster and the fault hook (net/rest_admin.cpp) ----
  void health(responder respond);

  // The cluster as this node sees it; operators only (--admin-token).
  void cluster(const http_request& req, responder respond);

  static std::string cluster_json(const cluster_view& view);

  // Test hook (only with --enable-fault-injection):
  // {"kind": "conversation"|"store"|"presence"|"session", "key": ID}.
  void fault(const http_request& req, responder respond);

  caf::actor_system& sys_;
  context_ptr ctx_;
  caf::actor directory_;
  caf::actor queries_;
  caf::actor membership_;
  caf::actor throttle_;
  caf::actor uploads_;
  caf::actor hasher_;
};

} // namespace parley::net
