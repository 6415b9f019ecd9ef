// GET /healthz, GET /v1/cluster and POST /v1/debug/fault.
#include <openssl/crypto.h>

#include "actors/membership.hpp"
#include "net/rest_handlers.hpp"

namespace parley::net {

namespace {

constexpr auto health_timeout = std::chrono::milliseconds(2000);

} // namespace

void rest_handlers::health(responder respond) {
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

// The cluster as this node sees it; operators only (--admin-token).
void rest_handlers::cluster(const http_request& req, responder respond) {
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

std::string rest_handlers::cluster_json(const cluster_view& view) {
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
// {"kind": "conversation"|"store"|"presence"|"session"|"call", "key": ID}.
void rest_handlers::fault(const http_request& req, responder respond) {
  auto body = json_object(req.body, respond);
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
      && *kind != "session" && *kind != "call")
    return respond(error_response(
      400, "invalid_field",
      "'kind' must be conversation, store, presence, session or call"));
  ask<bool>(
    directory_, ctx_->request_timeout, respond,
    [=](bool killed) {
      respond(json_response(200, json{{"killed", killed}}.dump()));
    },
    fault_atom::value, *kind, *key);
}

} // namespace parley::net
