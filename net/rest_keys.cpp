// The key directory (../shared/E2E.md §4): PUT and GET /v1/keys,
// GET /v1/keys/{user}[?devices=...] and GET /v1/users/{user}/devices.
// The edge reads the body's fields; the store checks them against the
// device's keys in one transaction (actors/store_keys.cpp).
#include "net/rest_handlers.hpp"
#include "wire/e2e/key_directory.hpp"

namespace parley::net {

void rest_handlers::put_keys(http_request req, responder respond) {
  authorized_json(std::move(req), respond, [=](const identity& who, const json& doc) {
    auto parsed = e2e::parse_key_upload(doc);
    if (auto* refusal = std::get_if<e2e::key_refusal>(&parsed))
      return respond(error_response(e2e::http_status_of(refusal->fault),
                                    std::string{e2e::code_of(refusal->fault)},
                                    refusal->message));
    auto upload = std::get<e2e::key_upload>(std::move(parsed));
    bool publishes_identity = upload.identity_key.has_value();
    ask<std::int64_t>(
      queries_, ctx_->request_timeout, respond,
      [=](std::int64_t unclaimed) {
        auto answer = [=] {
          respond(json_response(200, json{{"one_time_prekeys", unclaimed}}.dump()));
        };
        // A device that published its identity must be addressed by every
        // send from now on.
        if (publishes_identity)
          return after_devices_changed(who.user_id, answer);
        answer();
      },
      keys_atom::value, key_publication{who, std::move(upload)});
  });
}

void rest_handlers::own_keys(const http_request& req, responder respond) {
  authorized(req, respond, [=](const identity& who) {
    ask<own_key_status>(
      queries_, ctx_->request_timeout, respond,
      [=](const own_key_status& status) {
        auto spk = status.signed_prekey_id;
        json out{{"one_time_prekeys", status.unclaimed},
                 {"signed_prekey_id", spk < 0 ? json(nullptr) : json(spk)}};
        respond(json_response(200, out.dump()));
      },
      keys_atom::value, who.device_id);
  });
}

void rest_handlers::claim_keys(const http_request& req, const std::string& user_text,
                               const std::string& query, responder respond) {
  auto user = path_id(user_text);
  if (!user)
    return respond(error_response(400, "invalid_parameter", "user id must be a decimal id"));
  key_claim claim;
  claim.user = *user;
  if (auto devices = query_param(query, "devices")) {
    auto ids = parse_id_list(*devices);
    if (!ids)
      return respond(error_response(400, "invalid_parameter",
                                    "'devices' must be decimal device ids separated by commas"));
    claim.all_devices = false;
    claim.only = std::move(*ids);
  }
  authorized(req, respond, [=](const identity& who) {
    auto budget = "claims:" + id_to_string(who.user_id);
    ask<std::int64_t>(
      throttle_, ctx_->request_timeout, respond,
      [=](std::int64_t wait_ms) {
        if (wait_ms > 0)
          return respond(
            retry_after_response("rate_limited", "too many key bundles claimed", wait_ms));
        ask<claimed_bundles>(
          queries_, ctx_->request_timeout, respond,
          [=](const claimed_bundles& claimed) {
            caf::anon_send(throttle_, claim_atom::value, budget, claimed.bundles);
            for (std::size_t i = 0; i < claimed.low_devices.size(); ++i)
              caf::anon_send(directory_, keys_low_atom::value, claim.user,
                             claimed.low_devices[i], claimed.low_remaining[i]);
            respond(json_response(200, claimed.body));
          },
          claim_atom::value, key_claim{who, claim.user, claim.all_devices, claim.only});
      },
      claim_atom::value, budget);
  });
}

void rest_handlers::device_identities(const http_request& req, const std::string& user_text,
                                      responder respond) {
  auto user = path_id(user_text);
  if (!user)
    return respond(error_response(400, "invalid_parameter", "user id must be a decimal id"));
  authorized(req, respond, [=, user = *user](const identity&) {
    ask<std::string>(
      queries_, ctx_->request_timeout, respond,
      [=](const std::string& body) { respond(json_response(200, body)); }, idents_atom::value,
      user);
  });
}

} // namespace parley::net
