// POST /v1/messages and the long-poll, GET /v1/poll.
#include "net/rest_handlers.hpp"
#include "wire/json_out.hpp"

namespace parley::net {

void rest_handlers::post_message(http_request req, responder respond) {
  authorized_frame<wire::send_frame>(std::move(req), "send", respond, [=](const identity& who,
                                                                         wire::send_frame f) {
    auto client_id = f.client_id;
    auto to = f.to;
    auto conversation = f.conversation;
    // Parsed once, shared by the attempt (or the two, after the pair's lookup).
    auto msg = std::make_shared<const outgoing_message>(
      outgoing_from(f.conversation, who.user_id, who.device_id, std::move(f)));
    auto send_to = [=](id64 conv) {
      auto addressed = *msg;
      addressed.conversation = conv;
      ask_conversation<ack_info>(
        conv, respond,
        [=](const ack_info& a) {
          respond(json_response(
            200, wire::ack_frame(client_id, a.msg_id, a.conversation, a.seq, a.ts)));
        },
        send_atom::value, std::move(addressed));
    };
    if (conversation != 0)
      return send_to(conversation);
    // The pair's conversation (created on first use), as a session finds it.
    ask<id64>(directory_, ctx_->request_timeout, respond, send_to, direct_atom::value,
              who.user_id, to);
  });
}

// GET /v1/poll?timeout=S&after=CURSOR: see actors/poller.hpp.
void rest_handlers::poll(const http_request& req, const std::string& query, responder respond) {
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

} // namespace parley::net
