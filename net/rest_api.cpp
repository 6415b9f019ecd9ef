#include "net/rest_api.hpp"

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <variant>

#include <openssl/crypto.h>

#include "actors/membership.hpp"
#include "actors/messages.hpp"
#include "net/frame.hpp"
#include "net/json_out.hpp"
#include "net/metrics.hpp"
#include "net/range.hpp"
#include "storage/credentials.hpp"

namespace parley::net {

namespace {

using json = nlohmann::json;
using namespace std::chrono;

constexpr auto health_timeout = milliseconds(2000);
constexpr int default_page = 50;
constexpr int max_page = 200;

http_response json_response(int status, std::string body) {
  return make_response(status, "application/json", std::move(body));
}

int status_of(const std::string& code) {
  if (code == "quota_exceeded")
    return 413;
  if (code == "no_such_user" || code == "no_such_conversation" || code == "no_such_media"
      || code == "no_such_member" || code == "no_such_message")
    return 404;
  if (code == "not_a_member" || code == "not_admin" || code == "blocked")
    return 403;
  if (code == "username_taken" || code == "already_member")
    return 409;
  if (code == "not_a_group" || code == "too_many_members" || code == "cannot_block_self"
      || code == "invalid_cursor" || code == "too_many_subscriptions")
    return 400;
  if (code == "bad_credentials" || code == "unauthorized")
    return 401;
  if (code == "internal")
    return 500;
  return 503;
}

http_response failure_response(const caf::error& err) {
  auto code = wire_code(err);
  return error_response(status_of(code), code, describe(err));
}

// Splits "/a/b?x=1" into path segments and a query string.
struct target {
  std::vector<std::string> segments;
  std::string query;
};

target split_target(const std::string& raw) {
  target t;
  auto qpos = raw.find('?');
  auto path = raw.substr(0, qpos);
  if (qpos != std::string::npos)
    t.query = raw.substr(qpos + 1);
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string::npos)
      end = path.size();
    if (end > start)
      t.segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return t;
}

std::optional<std::string> query_param(const std::string& query, const std::string& name) {
  std::size_t pos = 0;
  while (pos <= query.size()) {
    auto end = query.find('&', pos);
    if (end == std::string::npos)
      end = query.size();
    auto pair = query.substr(pos, end - pos);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name)
      return eq == std::string::npos ? "" : pair.substr(eq + 1);
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<std::int64_t> to_int(const std::string& s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

// The JSON object in a request body; nullopt once `respond` has been given
// the error.
std::optional<json> json_object(const http_request& req, const responder& respond) {
  auto doc = json::parse(req.body, nullptr, false);
  if (doc.is_discarded()) {
    respond(error_response(400, "invalid_json", "request body is not valid JSON"));
    return std::nullopt;
  }
  if (!doc.is_object()) {
    respond(error_response(400, "invalid_json", "request body must be a JSON object"));
    return std::nullopt;
  }
  return doc;
}

// The ids of an array field of id strings, or the error response to send.
// Duplicates are refused: they are almost always a client bug.
std::variant<std::vector<id64>, http_response> id_array_field(const json& doc,
                                                              const char* name) {
  auto it = doc.find(name);
  if (it == doc.end())
    return error_response(400, "missing_field", std::string{"field '"} + name
                                                  + "' is required");
  if (!it->is_array())
    return error_response(400, "invalid_field", std::string{"field '"} + name
                                                  + "' must be an array of user ids");
  std::vector<id64> ids;
  for (auto& v : *it) {
    auto id = v.is_string() ? parse_id(v.get<std::string>()) : std::nullopt;
    if (!id)
      return error_response(400, "invalid_field",
                            std::string{"'"} + name
                              + "' must hold user ids as decimal strings");
    if (std::find(ids.begin(), ids.end(), *id) != ids.end())
      return error_response(400, "duplicate_member",
                            "user " + id_to_string(*id) + " is listed twice");
    ids.push_back(*id);
  }
  return ids;
}

// A string field, or nullopt (absent or of another type).
std::optional<std::string> string_field(const json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string())
    return std::nullopt;
  return it->get<std::string>();
}

class rest_api {
public:
  rest_api(caf::actor_system& sys, context_ptr ctx, caf::actor directory,
           caf::actor queries, caf::actor membership)
    : sys_(sys), ctx_(std::move(ctx)), directory_(std::move(directory)),
      queries_(std::move(queries)), membership_(std::move(membership)) {
  }

  void handle(http_request req, responder respond) {
    auto t = split_target(req.target);
    auto& s = t.segments;
    auto& m = req.method;
    auto is = [&](std::initializer_list<const char*> path) {
      if (path.size() != s.size())
        return false;
      std::size_t i = 0;
      for (auto* p : path) {
        if (*p != '*' && s[i] != p)
          return false;
        ++i;
      }
      return true;
    };
    if (is({"healthz"}))
      return only(m, "GET", respond, [&] { health(respond); });
    if (is({"metrics"}))
      return only(m, "GET", respond, [&] {
        respond(make_response(200, "text/plain; version=0.0.4", metrics::get().render()));
      });
    if (is({"v1", "cluster"}))
      return only(m, "GET", respond, [&] { cluster(req, respond); });
    if (is({"v1", "users"}))
      return only(m, "POST", respond, [&] { create_user(req, respond); });
    if (is({"v1", "sessions"}))
      return only(m, "POST", respond, [&] { login(req, respond); });
    if (is({"v1", "sessions", "current"}))
      return only(m, "DELETE", respond, [&] { logout(req, respond); });
    if (is({"v1", "users", "by-name", "*"}))
      return only(m, "GET", respond, [&] { find_user(req, s[3], respond); });
    if (is({"v1", "conversations"})) {
      if (m == "POST")
        return create_group(req, respond);
      return only(m, "GET", respond, [&] { conversations(req, respond); });
    }
    if (is({"v1", "conversations", "*"}))
      return only(m, "GET", respond, [&] { conversation(req, s[2], respond); });
    if (is({"v1", "conversations", "*", "messages"}))
      return only(m, "GET", respond, [&] { history(req, s[2], t.query, respond); });
    if (is({"v1", "conversations", "*", "members"}))
      return only(m, "POST", respond, [&] { add_members(req, s[2], respond); });
    if (is({"v1", "conversations", "*", "members", "*"}))
      return only(m, "DELETE", respond,
                  [&] { remove_member(req, s[2], s[4], respond); });
    if (is({"v1", "conversations", "*", "receipts"}))
      return only(m, "GET", respond, [&] { receipts(req, s[2], t.query, respond); });
    if (is({"v1", "messages"}))
      return only(m, "POST", respond, [&] { post_message(req, respond); });
    if (is({"v1", "presence", "subscribe"}))
      return only(m, "POST", respond, [&] { watch_presence(req, true, respond); });
    if (is({"v1", "presence", "unsubscribe"}))
      return only(m, "POST", respond, [&] { watch_presence(req, false, respond); });
    if (is({"v1", "poll"}))
      return only(m, "GET", respond, [&] { poll(req, t.query, respond); });
    if (is({"v1", "blocks"}))
      return only(m, "GET", respond, [&] { list_blocks(req, respond); });
    if (is({"v1", "blocks", "*"})) {
      if (m != "PUT" && m != "DELETE")
        return respond(error_response(405, "method_not_allowed", "use PUT or DELETE"));
      return set_block(req, s[2], m == "PUT", respond);
    }
    if (is({"v1", "devices", "current", "push"})) {
      if (m != "PUT" && m != "DELETE")
        return respond(error_response(405, "method_not_allowed", "use PUT or DELETE"));
      return set_push_token(req, m == "PUT", respond);
    }
    if (is({"v1", "me", "privacy"})) {
      if (m == "PUT")
        return set_privacy(req, respond);
      return only(m, "GET", respond, [&] { get_privacy(req, respond); });
    }
    if (is({"v1", "media"}))
      return only(m, "POST", respond, [&] { upload(req, respond); });
    if (is({"v1", "media", "*"})) {
      if (m != "GET" && m != "HEAD")
        return respond(error_response(405, "method_not_allowed", "use GET or HEAD"));
      return download(req, s[2], m == "HEAD", respond);
    }
    if (is({"v1", "debug", "fault"}) && ctx_->fault_injection)
      return only(m, "POST", respond, [&] { fault(req, respond); });
    respond(error_response(404, "not_found", "no such endpoint"));
  }

private:
  template <class F>
  static void only(const std::string& method, const char* allowed,
                   const responder& respond, F fn) {
    if (method != allowed)
      return respond(error_response(405, "method_not_allowed",
                                    std::string{"use "} + allowed));
    fn();
  }

  // Asks `dest` and calls `ok(result)`; failures become error responses.
  template <class Result, class OnOk, class... Ts>
  void ask(const caf::actor& dest, milliseconds timeout, responder respond, OnOk ok,
           Ts... xs) {
    // (The target is passed as a spawn argument: CAF 0.17 binds a null
    // reference when a function actor is spawned with no arguments.)
    sys_.spawn(
      [=](caf::event_based_actor* self, const caf::actor& target) {
        self->request(target, timeout, xs...)
          .then([=](Result& result) { ok(result); },
                [=](caf::error& err) { respond(failure_response(err)); });
      },
      dest);
  }

  // For answers the store has already written as JSON: 200 with that body.
  static auto json_ok(responder respond) {
    return [respond](std::string& body) { respond(json_response(200, std::move(body))); };
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

  // The token of an `Authorization: Bearer <token>` header (the scheme is
  // case-insensitive), or "".
  static std::string bearer_token(const http_request& req) {
    static constexpr std::string_view scheme = "bearer ";
    auto& h = req.authorization;
    if (h.size() <= scheme.size())
      return {};
    for (std::size_t i = 0; i < scheme.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(h[i])) != scheme[i])
        return {};
    auto token = h.substr(scheme.size());
    auto first = token.find_first_not_of(' ');
    return first == std::string::npos ? std::string{} : token.substr(first);
  }

  void health(responder respond) {
    auto node = ctx_->node_id;
    sys_.spawn([=](caf::event_based_actor* self, const caf::actor& queries) {
      self->request(queries, health_timeout, ping_atom::value)
        .then(
          [=](bool) {
            respond(json_response(
              200, json{{"status", "ok"}, {"node", node}, {"db", "ok"}}.dump()));
          },
          [=](caf::error&) {
            respond(json_response(503, json{{"status", "unavailable"},
                                            {"node", node},
                                            {"db", "unreachable"},
                                            {"code", "unavailable"},
                                            {"message", "the database is unreachable"}}
                                         .dump()));
          });
    }, queries_);
  }

  void create_user(const http_request& req, responder respond) {
    auto body = json_object(req, respond);
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
    ask<id64>(
      queries_, ctx_->request_timeout, respond,
      [=](id64 user_id) {
        respond(json_response(201, json{{"user_id", id_to_string(user_id)}}.dump()));
      },
      signup_atom::value, *username, *password);
  }

  void login(const http_request& req, responder respond) {
    auto body = json_object(req, respond);
    if (!body)
      return;
    auto& doc = *body;
    login_request lr;
    auto username = string_field(doc, "username");
    auto password = string_field(doc, "password");
    if (!username || !password)
      return respond(error_response(400, "missing_field",
                                    "'username' and 'password' must be strings"));
    lr.username = *username;
    lr.password = *password;
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
    ask<login_result>(
      queries_, ctx_->request_timeout, respond,
      [=](const login_result& r) {
        respond(json_response(200, json{{"token", r.token},
                                        {"user_id", id_to_string(r.user_id)},
                                        {"device_id", id_to_string(r.device_id)}}
                                     .dump()));
      },
      login_atom::value, lr);
  }

  // Revokes the token, then ends the device's live websockets (they get
  // `unauthorized` and close 4401, like any connection with a bad token).
  void logout(const http_request& req, responder respond) {
    authorized(req, respond, [=, token = bearer_token(req)](const identity& who) {
      ask<bool>(
        queries_, ctx_->request_timeout, respond,
        [=](bool) {
          caf::anon_send(directory_, revoke_atom::value, who.user_id, who.device_id);
          respond(make_response(204, "application/json", ""));
        },
        revoke_atom::value, token);
    });
  }

  void find_user(const http_request& req, std::string username, responder respond) {
    authorized(req, respond, [=](const identity&) {
      ask<std::string>(
        queries_, ctx_->request_timeout, respond,
        json_ok(respond),
        lookup_atom::value, username);
    });
  }

  void conversations(const http_request& req, responder respond) {
    authorized(req, respond, [=](const identity& who) {
      ask<std::string>(
        queries_, ctx_->request_timeout, respond,
        json_ok(respond),
        convs_atom::value, who.user_id);
    });
  }

  void history(const http_request& req, const std::string& conv_text,
               const std::string& query, responder respond) {
    auto conv = parse_id(conv_text);
    if (!conv)
      return respond(error_response(400, "invalid_parameter",
                                    "conversation id must be a decimal id"));
    std::int64_t before = std::numeric_limits<std::int64_t>::max();
    if (auto raw = query_param(query, "before")) {
      auto v = to_int(*raw);
      if (!v || *v < 0)
        return respond(error_response(400, "invalid_parameter",
                                      "'before' must be a non-negative integer"));
      before = *v;
    }
    std::int64_t limit = default_page;
    if (auto raw = query_param(query, "limit")) {
      auto v = to_int(*raw);
      if (!v || *v < 1)
        return respond(error_response(400, "invalid_parameter",
                                      "'limit' must be a positive integer"));
      limit = std::min<std::int64_t>(*v, max_page);
    }
    authorized(req, respond, [=](const identity& who) {
      ask<std::string>(
        queries_, ctx_->request_timeout, respond,
        json_ok(respond),
        history_atom::value, who.user_id, *conv, before,
        static_cast<std::int32_t>(limit));
    });
  }

  // --- groups ---------------------------------------------------------------------

  static std::optional<id64> path_id(const std::string& text) {
    return parse_id(text);
  }

  static http_response bad_conversation_id() {
    return error_response(400, "invalid_parameter", "conversation id must be a decimal id");
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

  // Answers a membership change with its system message's place in the
  // conversation.
  static http_response change_response(const ack_info& ack, const char* field,
                                       const std::vector<id64>& users) {
    return json_response(200, json{{"conversation_id", id_to_string(ack.conversation)},
                                   {"msg_id", id_to_string(ack.msg_id)},
                                   {"seq", ack.seq},
                                   {"ts", ack.ts},
                                   {field, wire::ids_json(users)}}
                                .dump());
  }

  void create_group(const http_request& req, responder respond) {
    auto body = json_object(req, respond);
    if (!body)
      return;
    auto& doc = *body;
    if (!doc.contains("title"))
      return respond(error_response(400, "missing_field", "field 'title' is required"));
    auto title = string_field(doc, "title");
    if (!title || title->empty() || title->size() > 128)
      return respond(error_response(400, "invalid_field",
                                    "'title' must be a string of 1 to 128 bytes"));
    auto ids = id_array_field(doc, "members");
    if (auto* err = std::get_if<http_response>(&ids))
      return respond(*err);
    auto listed = std::get<std::vector<id64>>(ids);
    authorized(req, respond, [=](const identity& who) {
      // Listing yourself is allowed: you are a member (and admin) anyway.
      auto members = listed;
      members.erase(std::remove(members.begin(), members.end(), who.user_id),
                    members.end());
      if (members.empty())
        return respond(error_response(400, "no_members",
                                      "a group needs at least one member besides you"));
      if (members.size() + 1 > ctx_->max_group_size)
        return respond(error_response(
          400, "too_many_members",
          "a group has at most " + std::to_string(ctx_->max_group_size) + " members"));
      group_spec spec{who.user_id, *title, members};
      ask<wire::stored_message>(
        queries_, ctx_->request_timeout, respond,
        [=](const wire::stored_message& created) {
          auto everyone = members;
          everyone.insert(everyone.begin(), who.user_id);
          caf::anon_send(directory_, fanout_atom::value, everyone, id64{0},
                         wire::message_frame(created));
          caf::anon_send(directory_, contacts_atom::value, everyone);
          respond(json_response(
            201, json{{"conversation_id", id_to_string(created.conversation)},
                      {"kind", "group"},
                      {"title", *title},
                      {"created_by", id_to_string(who.user_id)},
                      {"created_at", created.ts},
                      {"members", wire::ids_json(everyone)},
                      {"admins", json::array({id_to_string(who.user_id)})},
                      {"last_seq", created.seq}}
                   .dump()));
        },
        group_atom::value, spec);
    });
  }

  void conversation(const http_request& req, const std::string& conv_text,
                    responder respond) {
    auto conv = path_id(conv_text);
    if (!conv)
      return respond(bad_conversation_id());
    authorized(req, respond, [=](const identity& who) {
      ask<std::string>(
        queries_, ctx_->request_timeout, respond,
        json_ok(respond),
        info_atom::value, who.user_id, *conv);
    });
  }

  void add_members(const http_request& req, const std::string& conv_text,
                   responder respond) {
    auto conv = path_id(conv_text);
    if (!conv)
      return respond(bad_conversation_id());
    auto body = json_object(req, respond);
    if (!body)
      return;
    auto& doc = *body;
    std::vector<id64> users;
    // {"members": [...]}, or the alias {"users": [...]}, or one {"user_id"}.
    const char* list = doc.contains("users") && !doc.contains("members") ? "users" : "members";
    if (doc.contains("user_id") && !doc.contains("members") && !doc.contains("users")) {
      auto raw = string_field(doc, "user_id");
      auto id = raw ? parse_id(*raw) : std::nullopt;
      if (!id)
        return respond(error_response(400, "invalid_field",
                                      "'user_id' must be an id as a decimal string"));
      users.push_back(*id);
    } else {
      auto ids = id_array_field(doc, list);
      if (auto* err = std::get_if<http_response>(&ids))
        return respond(*err);
      users = std::get<std::vector<id64>>(ids);
    }
    if (users.empty())
      return respond(error_response(400, "no_members", "name at least one user to add"));
    authorized(req, respond, [=](const identity& who) {
      // Unknown users first (users are never deleted, so this holds), then
      // the conversation decides: admin rights, membership, size limit.
      ask<std::vector<id64>>(
        queries_, ctx_->request_timeout, respond,
        [=](const std::vector<id64>& missing) {
          if (!missing.empty())
            return respond(error_response(404, "no_such_user",
                                          "no such user: " + id_to_string(missing[0])));
          ask_conversation<ack_info>(
            *conv, respond,
            [=](const ack_info& ack) { respond(change_response(ack, "added", users)); },
            members_atom::value, membership_change{who.user_id, true, users});
        },
        exists_atom::value, users);
    });
  }

  void remove_member(const http_request& req, const std::string& conv_text,
                     const std::string& user_text, responder respond) {
    auto conv = path_id(conv_text);
    if (!conv)
      return respond(bad_conversation_id());
    auto user = path_id(user_text);
    if (!user)
      return respond(error_response(400, "invalid_parameter", "user id must be a decimal id"));
    authorized(req, respond, [=](const identity& who) {
      ask_conversation<ack_info>(
        *conv, respond,
        [=](const ack_info& ack) {
          respond(change_response(ack, "removed", {*user}));
        },
        members_atom::value, membership_change{who.user_id, false, {*user}});
    });
  }

  void receipts(const http_request& req, const std::string& conv_text,
                const std::string& query, responder respond) {
    auto conv = path_id(conv_text);
    if (!conv)
      return respond(bad_conversation_id());
    auto raw = query_param(query, "seq");
    auto seq = raw ? to_int(*raw) : std::nullopt;
    if (!seq || *seq < 1)
      return respond(error_response(400, "invalid_parameter",
                                    "'seq' must be a positive integer"));
    authorized(req, respond, [=](const identity& who) {
      ask<std::string>(
        queries_, ctx_->request_timeout, respond,
        json_ok(respond),
        receipts_atom::value, who.user_id, *conv, *seq);
    });
  }

  // --- without a websocket ---------------------------------------------------------

  // POST /v1/messages: the websocket `send`, validated by the same parser,
  // answered with the same ack only after the commit, idempotent on `id`.
  //
  // A JSON body checked as the websocket frame of type `type` would be:
  // the frame, or nullopt once the error has been answered.
  template <class Frame>
  std::optional<Frame> body_as_frame(const http_request& req, const char* type,
                                     const responder& respond) {
    auto body = json_object(req, respond);
    if (!body)
      return std::nullopt;
    (*body)["type"] = type;
    auto frame = wire::parse_frame(body->dump());
    if (auto* err = std::get_if<wire::frame_error>(&frame)) {
      respond(error_response(err->code == "body_too_large" ? 413 : 400, err->code,
                             err->message));
      return std::nullopt;
    }
    return std::get<Frame>(frame);
  }

  void post_message(const http_request& req, responder respond) {
    auto frame = body_as_frame<wire::send_frame>(req, "send", respond);
    if (!frame)
      return;
    auto f = *frame;
    authorized(req, respond, [=](const identity& who) {
      auto send_to = [=](id64 conv) {
        ask_conversation<ack_info>(
          conv, respond,
          [=](const ack_info& a) {
            respond(json_response(
              200, wire::ack_frame(f.client_id, a.msg_id, a.conversation, a.seq, a.ts)));
          },
          send_atom::value,
          outgoing_message{conv, who.user_id, who.device_id, f.client_id, f.body, f.media});
      };
      if (f.conversation != 0)
        return send_to(f.conversation);
      // The pair's conversation (created on first use), as a session finds it.
      sys_.spawn(
        [=](caf::event_based_actor* self, const caf::actor& queries,
            const caf::actor& directory) {
          self->request(queries, ctx_->request_timeout, direct_atom::value, who.user_id, f.to)
            .then(
              [=](id64 conv, bool created) {
                if (created)
                  self->send(directory, contacts_atom::value,
                             std::vector<id64>{who.user_id, f.to});
                send_to(conv);
              },
              [=](caf::error& err) { respond(failure_response(err)); });
        },
        queries_, directory_);
    });
  }

  // GET /v1/poll?timeout=S&after=CURSOR: see actors/poller.hpp.
  void poll(const http_request& req, const std::string& query, responder respond) {
    std::int64_t timeout = 25;
    if (auto raw = query_param(query, "timeout")) {
      auto v = to_int(*raw);
      if (!v || *v < 0 || *v > 30)
        return respond(error_response(400, "invalid_parameter",
                                      "'timeout' must be an integer from 0 to 30 (seconds)"));
      timeout = *v;
    }
    auto after = query_param(query, "after").value_or("");
    if (after.size() > 100)
      return respond(error_response(400, "invalid_cursor", "'after' is not a cursor"));
    authorized(req, respond, [=](const identity& who) {
      ask<std::string>(
        directory_, milliseconds(timeout * 1000) + ctx_->request_timeout, respond,
        json_ok(respond),
        poll_atom::value, who, after, timeout * 1000);
    });
  }

  // POST /v1/presence/(un)subscribe {"users": [...]}: the websocket frames
  // for a long-polling device; the presence frames come in its polls.
  void watch_presence(const http_request& req, bool on, responder respond) {
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

  // --- blocks ----------------------------------------------------------------------

  void set_block(const http_request& req, const std::string& user_text, bool on,
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

  void list_blocks(const http_request& req, responder respond) {
    authorized(req, respond, [=](const identity& who) {
      ask<std::string>(
        queries_, ctx_->request_timeout, respond,
        json_ok(respond),
        blocks_atom::value, who.user_id);
    });
  }

  // --- privacy ---------------------------------------------------------------------

  void set_privacy(const http_request& req, responder respond) {
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

  static constexpr std::size_t max_push_token_chars = 4096;

  // PUT {"token": T} registers this device's push token (replacing any);
  // DELETE removes it. Logged-out devices' tokens are never used.
  void set_push_token(const http_request& req, bool put, responder respond) {
    std::string token;
    if (put) {
      auto body = json_object(req, respond);
      if (!body)
        return;
      if (!body->contains("token"))
        return respond(error_response(400, "missing_field", "field 'token' is required"));
      auto field = string_field(*body, "token");
      if (!field || field->empty() || field->size() > max_push_token_chars
          || !printable_ascii(*field))
        return respond(error_response(
          400, "invalid_field",
          "'token' must be a string of 1 to 4096 printable ASCII characters"));
      token = *field;
    }
    authorized(req, respond, [=](const identity& who) {
      ask<bool>(
        queries_, ctx_->request_timeout, respond,
        no_content(respond),
        push_token_atom::value, who.device_id, token);
    });
  }

  void get_privacy(const http_request& req, responder respond) {
    authorized(req, respond, [=](const identity& who) {
      ask<std::string>(
        queries_, ctx_->request_timeout, respond,
        [=](std::string& setting) {
          respond(json_response(200, json{{"last_seen", setting}}.dump()));
        },
        privacy_atom::value, who.user_id);
    });
  }

  // Deletes an uploaded file unless it was kept, whatever way the request
  // ends (bad token, database down, timeout).
  struct file_guard {
    std::string path;
    bool keep = false;
    ~file_guard() {
      if (!keep && !path.empty())
        std::remove(path.c_str());
    }
  };

  static bool printable_ascii(const std::string& text) {
    for (unsigned char c : text)
      if (c < 0x20 || c > 0x7e)
        return false;
    return true;
  }

  static bool valid_content_type(const std::string& ct) {
    return !ct.empty() && ct.size() <= 255 && printable_ascii(ct);
  }

  void upload(const http_request& req, responder respond) {
    if (!req.upload)
      return respond(error_response(400, "bad_request", "no upload body"));
    auto guard = std::make_shared<file_guard>();
    guard->path = req.upload->path;
    auto content_type = req.content_type.empty() ? "application/octet-stream"
                                                 : req.content_type;
    if (!valid_content_type(content_type))
      return respond(error_response(400, "invalid_content_type",
                                    "Content-Type must be printable ASCII, at most 255"));
    // The guard lives as long as any answer path does.
    responder answer = [guard, respond](http_response r) { respond(std::move(r)); };
    auto upload = *req.upload;
    authorized(req, answer, [=](const identity& who) {
      media_info info{credentials::random_hex(16), who.user_id,
                      static_cast<std::int64_t>(upload.size), upload.sha256,
                      content_type};
      // Recorded first (within the quota), then the content is placed, so
      // a blob on disk always has a row: a collector of blobs without rows
      // (not built yet) can never take one that is being uploaded.
      ask<bool>(
        queries_, ctx_->request_timeout, answer,
        [=](bool) {
          if (!place_blob(*guard, info.sha256)) {
            caf::anon_send(queries_, media_del_atom::value, info.media_id);
            return answer(error_response(507, "storage_full", "cannot store the upload"));
          }
          answer(json_response(201, json{{"media_id", info.media_id},
                                         {"size", info.size},
                                         {"sha256", info.sha256}}
                                      .dump()));
        },
        media_put_atom::value, info);
    });
  }

  std::string blob_path(const std::string& sha256) const {
    return ctx_->media_dir + "/blobs/" + sha256;
  }

  // Content-addressed: the same bytes uploaded twice are stored once. A
  // second copy only refreshes the blob's modification time (the time a
  // collector would judge its age by) and is dropped with its temp file.
  bool place_blob(file_guard& upload, const std::string& sha256) const {
    auto target = blob_path(sha256);
    std::error_code ec;
    if (std::filesystem::exists(target, ec)) {
      std::filesystem::last_write_time(target, std::filesystem::file_time_type::clock::now(),
                                       ec);
      return true; // the guard removes the temp file
    }
    if (std::rename(upload.path.c_str(), target.c_str()) != 0)
      return false;
    upload.keep = true;
    return true;
  }

  void download(const http_request& req, const std::string& media_id, bool head,
                responder respond) {
    if (!wire::is_media_id(media_id))
      return respond(error_response(404, "no_such_media", "no such media"));
    auto range_header = req.range;
    auto if_none_match = req.if_none_match;
    authorized(req, respond, [=](const identity&) {
      ask<media_info>(
        queries_, ctx_->request_timeout, respond,
        [=](const media_info& info) {
          respond(media_response(info, range_header, if_none_match, head));
        },
        media_get_atom::value, media_id);
    });
  }

  http_response media_response(const media_info& info, const std::string& range_header,
                               const std::string& if_none_match, bool head) {
    auto size = static_cast<std::uint64_t>(info.size);
    auto etag = "\"" + info.sha256 + "\"";
    http_response r;
    r.content_type = info.content_type;
    r.headers = {{"ETag", etag}, {"Accept-Ranges", "bytes"},
                 {"Cache-Control", "private, max-age=31536000, immutable"}};
    if (if_none_match == etag || if_none_match == "*") {
      r.status = 304;
      return r;
    }
    auto range = parse_range(range_header, size);
    if (range.kind == byte_range::unsatisfiable) {
      auto e = error_response(416, "bad_range", "the requested range is not satisfiable");
      e.headers.push_back({"Content-Range", "bytes */" + std::to_string(size)});
      return e;
    }
    r.file_path = blob_path(info.sha256);
    std::error_code ec;
    if (!std::filesystem::exists(r.file_path, ec)) // stored before blobs existed
      r.file_path = ctx_->media_dir + "/" + info.media_id;
    r.file_offset = range.offset;
    r.file_length = range.length;
    r.head_only = head;
    if (range.kind == byte_range::partial) {
      r.status = 206;
      r.headers.push_back({"Content-Range", "bytes " + std::to_string(range.offset) + "-"
                                              + std::to_string(range.offset + range.length - 1)
                                              + "/" + std::to_string(size)});
    }
    return r;
  }

  // The cluster as this node sees it; operators only (--admin-token).
  void cluster(const http_request& req, responder respond) {
    if (ctx_->admin_token.empty())
      return respond(error_response(404, "not_found",
                                    "GET /v1/cluster is off: start parleyd with --admin-token"));
    auto token = bearer_token(req);
    if (token.size() != ctx_->admin_token.size()
        || CRYPTO_memcmp(token.data(), ctx_->admin_token.data(), token.size()) != 0)
      return respond(error_response(401, "unauthorized",
                                    "GET /v1/cluster needs Authorization: Bearer <admin token>"));
    ask<cluster_view>(membership_, ctx_->request_timeout, respond,
                      [respond](const cluster_view& view) {
                        respond(json_response(200, cluster_json(view)));
                      },
                      cluster_atom::value);
  }

  static std::string cluster_json(const cluster_view& view) {
    auto members = json::array();
    std::size_t live = 0;
    for (auto& m : view.members) {
      live += m.state != "down";
      members.push_back({{"node", m.node_id},
                         {"address", m.address},
                         {"state", m.state},
                         {"since_ms", m.since_ms},
                         {"ring_share", m.ring_share},
                         {"joins", m.joins}});
    }
    return json{{"node", view.node_id},
                {"live", live},
                {"failure_timeout_ms", view.failure_timeout_ms},
                {"vnodes", view.vnodes},
                {"members", std::move(members)}}
      .dump();
  }

  // Test hook (only with --enable-fault-injection):
  // {"kind": "conversation"|"store"|"presence"|"session", "key": ID}.
  void fault(const http_request& req, responder respond) {
    auto body = json_object(req, respond);
    if (!body)
      return;
    auto& doc = *body;
    auto kind = string_field(doc, "kind");
    auto key_text = string_field(doc, "key");
    auto key = key_text ? parse_id(*key_text) : std::nullopt;
    if (!kind || !key)
      return respond(error_response(400, "invalid_field",
                                    "'kind' and 'key' (an id string) are required"));
    if (*kind != "conversation" && *kind != "store" && *kind != "presence"
        && *kind != "session")
      return respond(error_response(
        400, "invalid_field",
        "'kind' must be conversation, store, presence or session"));
    ask<bool>(
      directory_, ctx_->request_timeout, respond,
      [=](bool killed) {
        respond(json_response(200, json{{"killed", killed}}.dump()));
      },
      fault_atom::value, *kind, *key);
  }

  caf::actor_system& sys_;
  context_ptr ctx_;
  caf::actor directory_;
  caf::actor queries_;
  caf::actor membership_;
};

} // namespace

rest_handler make_rest_api(caf::actor_system& sys, context_ptr ctx,
                           caf::actor directory, caf::actor queries,
                           caf::actor membership) {
  auto api = std::make_shared<rest_api>(sys, std::move(ctx), std::move(directory),
                                        std::move(queries), std::move(membership));
  return [api](http_request req, responder respond) {
    api->handle(std::move(req), std::move(respond));
  };
}

} // namespace parley::net
