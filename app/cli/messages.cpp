// parley send, send-group and history: messages encrypted for every
// required device (app/e2e), or the old plain body with --plaintext.
#include "app/cli/common.hpp"
#include "app/cli/display.hpp"
#include "app/cli/e2e_context.hpp"
#include "app/e2e/incoming.hpp"
#include "wire/e2e/plaintext.hpp"
#include "wire/terminal_text.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>

namespace parley::cli {

using namespace std::chrono;

// Sends one plain message to `peer` and waits for its ack (the commit).
json send_and_confirm(const server_url& server, const json& creds, const json& peer,
                      const std::string& body, const std::vector<std::string>& media) {
  ws_client ws;
  open_ws(ws, server, creds);
  json frame{{"type", "send"}, {"id", random_client_id()}, {"to", peer["user_id"]},
             {"body", body}};
  if (!media.empty())
    frame["media"] = media;
  auto answer = await_answer(ws, frame, [](const json&) {});
  if (answer.value("type", "") == "error")
    fail(1, answer.value("code", "") + ": " + answer.value("message", ""));
  ws.close();
  return answer;
}

std::string ack_summary(const json& ack) {
  return "seq " + std::to_string(ack.value("seq", 0)) + ", msg " + ack.value("msg_id", "");
}

e2e_client::sent_message send_encrypted(e2e_context& ctx, const send_target& target,
                                        const std::string& plaintext,
                                        const std::vector<std::string>& media) {
  ws_client ws;
  open_ws(ws, ctx.server, ctx.creds);
  e2e_client::outgoing_message m{random_client_id(), e2e::to_bytes(plaintext), media};
  auto submit = [&](const json& frame) { return await_answer(ws, frame, ctx); };
  auto sent = refusals_as_failures([&] {
    auto s = target.group.empty() ? e2e_client::send_direct(*ctx.engine, target.peer, m, submit)
                                  : e2e_client::send_group(*ctx.engine, target.group, m, submit);
    // The sender's own copy of what it said, for its history.
    auto record = e2e_client::sent_record(*ctx.engine, s.ack, m.plaintext, !target.group.empty());
    ctx.store->transaction([&] {
      ctx.store->store_message({record["msg_id"], record["conversation"], record["seq"],
                                record.dump()});
    });
    return s;
  });
  ws.close();
  keep_prekeys(ctx);
  return sent;
}

void cmd_send(const options& o, const std::string& to, const std::string& text, bool plain) {
  if (plain) {
    auto creds = load_credentials();
    auto server = server_of(o);
    auto ack = send_and_confirm(server, creds, lookup_user(server, creds, to), text);
    ack["encrypted"] = false;
    print(o, ack, "sent to " + to + " unencrypted (" + ack_summary(ack) + ")");
    return;
  }
  auto ctx = open_e2e(o);
  auto peer = lookup_user(ctx.server, ctx.creds, to);
  send_target target{*parse_id(peer["user_id"].get<std::string>()), {}};
  auto sent = send_encrypted(ctx, target, e2e::text_plaintext(text), {});
  print_warnings(o, ctx);
  auto shown = sent.ack;
  shown["encrypted"] = true;
  shown["devices"] = sent.devices;
  print(o, shown,
        "sent to " + to + " (" + ack_summary(sent.ack) + ", encrypted for "
          + std::to_string(sent.devices) + " devices)");
}

void cmd_send_group(const options& o, const std::string& conversation,
                    const std::string& text) {
  auto ctx = open_e2e(o);
  auto sent = send_encrypted(ctx, {0, conversation}, e2e::text_plaintext(text), {});
  print_warnings(o, ctx);
  auto shown = sent.ack;
  shown["encrypted"] = true;
  shown["key_id"] = sent.key_id.value_or(0);
  shown["devices"] = sent.devices;
  print(o, shown,
        "sent to group " + conversation + " (" + ack_summary(sent.ack) + ", sender key "
          + std::to_string(sent.key_id.value_or(0)) + ")");
}

// The decrypted history this device stored, oldest first.
void cmd_history(const options& o, const std::string& with, int limit) {
  auto creds = load_credentials();
  auto server = server_of(o);
  auto token = creds["token"].get<std::string>();
  auto peer = lookup_user(server, creds, with);
  auto convs = expect(http_call(server, "GET", "/v1/conversations", {}, token), 200);
  std::string conv;
  for (auto& c : convs["conversations"])
    if (c.value("peer", "") == peer.value("user_id", ""))
      conv = c.value("conversation_id", "");
  std::vector<e2e_client::stored_message> rows;
  if (!conv.empty() && fs::exists(config_dir() / "state.db"))
    rows = refusals_as_failures(
      [&] { return e2e_client::state_store{config_dir()}.history(conv, limit); });
  json messages = json::array();
  for (auto& row : rows)
    messages.push_back(json::parse(row.json, nullptr, false));
  if (o.json_output) {
    std::cout << json{{"messages", messages}}.dump() << std::endl;
    return;
  }
  if (messages.empty())
    std::cout << "no messages with " << with << std::endl;
  auto me = creds.value("user_id", "");
  for (auto& m : messages)
    std::cout << wire::escape_controls(message_line(
                   m, [&](const std::string& id) { return id == me ? "me" : with; }, me, with))
              << '\n';
}

} // namespace parley::cli
