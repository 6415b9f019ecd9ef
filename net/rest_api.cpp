// The router: which handler answers which method and path.
#include "net/rest_api.hpp"

#include "net/rest_handlers.hpp"
#include "wire/metrics.hpp"

namespace parley::net {

void rest_handlers::handle(http_request req, responder respond) {
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
  if (is({"metrics"}) && !ctx_->metrics_elsewhere)
    return only(m, "GET", respond, [&] {
      respond(make_response(200, "text/plain; version=0.0.4", wire::metrics::get().render()));
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
      return create_group(std::move(req), respond);
    return only(m, "GET", respond, [&] { conversations(req, respond); });
  }
  if (is({"v1", "conversations", "*"}))
    return only(m, "GET", respond, [&] { conversation(req, s[2], respond); });
  if (is({"v1", "conversations", "*", "messages"}))
    return only(m, "GET", respond, [&] { history(req, s[2], t.query, respond); });
  if (is({"v1", "conversations", "*", "members"}))
    return only(m, "POST", respond, [&] { add_members(std::move(req), s[2], respond); });
  if (is({"v1", "conversations", "*", "members", "*"}))
    return only(m, "DELETE", respond,
                [&] { remove_member(req, s[2], s[4], respond); });
  if (is({"v1", "conversations", "*", "receipts"}))
    return only(m, "GET", respond, [&] { receipts(req, s[2], t.query, respond); });
  if (is({"v1", "messages"}))
    return only(m, "POST", respond, [&] { post_message(std::move(req), respond); });
  if (is({"v1", "presence", "subscribe"}))
    return only(m, "POST", respond, [&] { watch_presence(std::move(req), true, respond); });
  if (is({"v1", "presence", "unsubscribe"}))
    return only(m, "POST", respond, [&] { watch_presence(std::move(req), false, respond); });
  if (is({"v1", "poll"}))
    return only(m, "GET", respond, [&] { poll(req, t.query, respond); });
  if (is({"v1", "turn"}))
    return only(m, "GET", respond, [&] { turn_credentials(req, respond); });
  if (is({"v1", "blocks"}))
    return only(m, "GET", respond, [&] { list_blocks(req, respond); });
  if (is({"v1", "blocks", "*"}))
    return either(m, "PUT", "DELETE", respond,
                  [&](bool put) { set_block(req, s[2], put, respond); });
  if (is({"v1", "devices"}))
    return only(m, "GET", respond, [&] { list_devices(req, respond); });
  if (is({"v1", "devices", "*"}) && s[2] != "current")
    return only(m, "DELETE", respond, [&] { remove_device(req, s[2], respond); });
  if (is({"v1", "keys"}))
    return either(m, "PUT", "GET", respond, [&](bool put) {
      if (put)
        return put_keys(std::move(req), respond);
      own_keys(req, respond);
    });
  if (is({"v1", "keys", "*"}))
    return only(m, "GET", respond, [&] { claim_keys(req, s[2], t.query, respond); });
  if (is({"v1", "users", "*", "devices"}))
    return only(m, "GET", respond, [&] { device_identities(req, s[2], respond); });
  if (is({"v1", "me", "password"}))
    return only(m, "POST", respond, [&] { change_password(std::move(req), respond); });
  if (is({"v1", "devices", "current", "push"}))
    return either(m, "PUT", "DELETE", respond,
                  [&](bool put) { set_push_token(std::move(req), put, respond); });
  if (is({"v1", "me", "privacy"})) {
    if (m == "PUT")
      return set_privacy(std::move(req), respond);
    return only(m, "GET", respond, [&] { get_privacy(req, respond); });
  }
  if (is({"v1", "media"}))
    return only(m, "POST", respond, [&] { upload(req, respond); });
  if (is({"v1", "media", "*"}))
    return either(m, "GET", "HEAD", respond,
                  [&](bool get) { download(req, s[2], !get, respond); });
  if (is({"v1", "debug", "fault"}) && ctx_->fault_injection)
    return only(m, "POST", respond, [&] { fault(req, respond); });
  respond(error_response(404, "not_found", "no such endpoint"));
}

rest_endpoints make_rest_api(caf::actor_system& sys, context_ptr ctx, rest_actors actors) {
  auto api = std::make_shared<rest_handlers>(sys, std::move(ctx), std::move(actors));
  return {[api](http_request req, responder respond) {
            api->handle(std::move(req), std::move(respond));
          },
          [api](const http_request& head, std::function<void(upload_admission)> reply) {
            api->admit_upload(head, std::move(reply));
          }};
}

} // namespace parley::net
