// GET /v1/turn: TURN credentials in coturn's shared-secret scheme
// (../shared/CALLS.md), made here from the secret, checked by coturn alone.
#include "net/rest_handlers.hpp"

#include "wire/turn.hpp"

namespace parley::net {

void rest_handlers::turn_credentials(const http_request& req, responder respond) {
  authorized(req, respond, [=](const identity& who) {
    auto& turn = ctx_->turn;
    if (turn.secret.empty()) {
      auto& row = info(errc::turn_not_configured);
      return respond(error_response(row.http_status, row.code, row.message));
    }
    auto now_s = unix_now_ms() / 1000;
    auto answer = json_response(200, wire::turn_body(turn, who.user_id, now_s));
    answer.headers.emplace_back("Cache-Control", "no-store");
    respond(std::move(answer));
  });
}

} // namespace parley::net
