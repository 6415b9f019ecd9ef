#include "net/rest_api.hpp"

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include <cctype>
#include <charconv>
#include <cstdio>
#include <limits>
#include <optional>
#include <variant>

#include "actors/messages.hpp"
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
  if (code == "no_such_user" || code == "no_such_conversation" || code == "no_such_media")
    return 404;
  if (code == "not_a_member")
    return 403;
  if (code == "username_taken")
    return 409;
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

// The JSON object in a request body, or the error response to send.
std::variant<json, http_response> json_body(const http_request& req) {
  auto doc = json::parse(req.body, nullptr, false);
  if (doc.is_discarded())
    return error_response(400, "invalid_json", "request body is not valid JSON");
  if (!doc.is_object())
    return error_response(400, "invalid_json", "request body must be a JSON object");
  return doc;
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
           caf::actor queries)
    : sys_(sys), ctx_(std::move(ctx)), directory_(std::move(directory)),
      queries_(std::move(queries)) {
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
    if (is({"v1", "users"}))
      return only(m, "POST", respond, [&] { create_user(req, respond); });
    if (is({"v1", "sessions"}))
      return only(m, "POST", respond, [&] { login(req, respond); });
    if (is({"v1", "sessions", "current"}))
      return only(m, "DELETE", respond, [&] { logout(req, respond); });
    if (is({"v1", "users", "by-name", "*"}))
      return only(m, "GET", respond, [&] { find_user(req, s[3], respond); });
    if (is({"v1", "conversations"}))
      return only(m, "GET", respond, [&] { conversations(req, respond); });
    if (is({"v1", "conversations", "*", "messages"}))
      return only(m, "GET", respond, [&] { history(req, s[2], t.query, respond); });
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
    auto parsed = json_body(req);
    if (auto* err = std::get_if<http_response>(&parsed))
      return respond(*err);
    auto& doc = std::get<json>(parsed);
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
    auto parsed = json_body(req);
    if (auto* err = std::get_if<http_response>(&parsed))
      return respond(*err);
    auto& doc = std::get<json>(parsed);
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
        [=](std::string& body) { respond(json_response(200, std::move(body))); },
        lookup_atom::value, username);
    });
  }

  void conversations(const http_request& req, responder respond) {
    authorized(req, respond, [=](const identity& who) {
      ask<std::string>(
        queries_, ctx_->request_timeout, respond,
        [=](std::string& body) { respond(json_response(200, std::move(body))); },
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
        [=](std::string& body) { respond(json_response(200, std::move(body))); },
        history_atom::value, who.user_id, *conv, before,
        static_cast<std::int32_t>(limit));
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

  static bool valid_content_type(const std::string& ct) {
    if (ct.empty() || ct.size() > 255)
      return false;
    for (unsigned char c : ct)
      if (c < 0x20 || c > 0x7e)
        return false;
    return true;
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
      auto final_path = ctx_->media_dir + "/" + info.media_id;
      if (std::rename(guard->path.c_str(), final_path.c_str()) != 0)
        return answer(error_response(507, "storage_full", "cannot store the upload"));
      guard->path = final_path; // removed again if the database refuses it
      ask<bool>(
        queries_, ctx_->request_timeout, answer,
        [=](bool) {
          guard->keep = true;
          answer(json_response(201, json{{"media_id", info.media_id},
                                         {"size", info.size},
                                         {"sha256", info.sha256}}
                                      .dump()));
        },
        media_put_atom::value, info);
    });
  }

  void download(const http_request& req, const std::string& media_id, bool head,
                responder respond) {
    bool well_formed = media_id.size() == 32
                       && media_id.find_first_not_of("0123456789abcdef")
                            == std::string::npos;
    if (!well_formed)
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

  // Test hook (only with --enable-fault-injection):
  // {"kind": "conversation"|"store"|"presence"|"session", "key": ID}.
  void fault(const http_request& req, responder respond) {
    auto parsed = json_body(req);
    if (auto* err = std::get_if<http_response>(&parsed))
      return respond(*err);
    auto& doc = std::get<json>(parsed);
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
};

} // namespace

rest_handler make_rest_api(caf::actor_system& sys, context_ptr ctx,
                           caf::actor directory, caf::actor queries) {
  auto api = std::make_shared<rest_api>(sys, std::move(ctx), std::move(directory),
                                        std::move(queries));
  return [api](http_request req, responder respond) {
    api->handle(std::move(req), std::move(respond));
  };
}

} // namespace parley::net
