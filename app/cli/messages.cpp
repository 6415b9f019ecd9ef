// parley send, listen and history.
#include "wire/terminal_text.hpp"
#include "app/cli/common.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <openssl/rand.h>
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sys/stat.h>

namespace parley::cli {

using namespace std::chrono;

namespace {

// A file sent with send-file shows how to fetch it; other bodies as they are.
std::string shown_body(const std::string& body) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("type", "") != "media"
      || !j.contains("media_id") || !j["media_id"].is_string())
    return body;
  auto name = j.value("name", "file");
  return "[file " + name + ", " + std::to_string(j.value("size", 0)) + " bytes] parley fetch "
         + j["media_id"].get<std::string>() + " -o " + name + " --sha256 "
         + j.value("sha256", "");
}

volatile std::sig_atomic_t stop_listening = 0;

} // namespace

// Sends one message to `peer` and waits for its ack (the commit).
json send_and_confirm(const server_url& server, const json& creds, const json& peer,
                      const std::string& body, const std::vector<std::string>& media) {
  ws_client ws;
  open_ws(ws, server, creds);
  auto cid = random_client_id();
  json frame{{"type", "send"}, {"id", cid}, {"to", peer["user_id"]}, {"body", body}};
  if (!media.empty())
    frame["media"] = media;
  ws.send(frame.dump());
  auto deadline = steady_clock::now() + seconds(15);
  while (steady_clock::now() < deadline) {
    auto answer = ws.read(milliseconds(500));
    if (!answer)
      continue;
    auto j = json::parse(*answer, nullptr, false);
    auto type = j.value("type", "");
    if (type == "ack" && j.value("id", "") == cid) {
      ws.close();
      return j;
    }
    if (type == "error")
      fail(1, j.value("code", "") + ": " + j.value("message", ""));
  }
  fail(3, "no acknowledgement within 15 s: the message may not have been stored");
}

std::string ack_summary(const json& ack) {
  return "seq " + std::to_string(ack.value("seq", 0)) + ", msg " + ack.value("msg_id", "");
}
void cmd_send(const options& o, const std::string& to, const std::string& text) {
  auto creds = load_credentials();
  auto server = server_of(o);
  auto ack = send_and_confirm(server, creds, lookup_user(server, creds, to), text);
  print(o, ack, "sent to " + to + " (" + ack_summary(ack) + ")");
}

void cmd_listen(const options& o, int count, int timeout_s) {
  auto creds = load_credentials();
  auto server = server_of(o);
  std::signal(SIGINT, [](int) { stop_listening = 1; });
  std::signal(SIGTERM, [](int) { stop_listening = 1; });
  ws_client ws;
  open_ws(ws, server, creds);
  ws.send(R"({"type":"sync"})");
  std::map<std::string, std::string> names; // user id -> username
  auto convs = expect(http_call(server, "GET", "/v1/conversations", {},
                                creds["token"].get<std::string>()),
                      200);
  for (auto& c : convs["conversations"])
    if (c.contains("peer"))
      names[c["peer"].get<std::string>()] = c.value("peer_username", "");
  names[creds["user_id"].get<std::string>()] = creds.value("username", "me");
  auto name_of = [&](const std::string& id) {
    auto it = names.find(id);
    return it == names.end() ? "user " + id : it->second;
  };
  int seen = 0;
  auto deadline = steady_clock::now() + seconds(timeout_s > 0 ? timeout_s : 1000000000);
  while (!stop_listening && steady_clock::now() < deadline && (count <= 0 || seen < count)) {
    auto frame = ws.read(milliseconds(250));
    if (!frame)
      continue;
    auto j = json::parse(*frame, nullptr, false);
    auto type = j.value("type", "");
    if (type == "message") {
      ++seen;
      // Tell the sender it arrived (cursors only move forward).
      ws.send(json{{"type", "receipt"},
                   {"status", "delivered"},
                   {"conversation", j["conversation"]},
                   {"up_to", j["seq"]}}
                .dump());
      print(o, j, "[" + std::to_string(j.value("seq", 0)) + "] "
                    + name_of(j.value("from", "")) + ": " + shown_body(j.value("body", "")));
    } else if (type == "receipt") {
      print(o, j, "(" + name_of(j.value("user", "")) + " " + j.value("status", "")
                    + " up to " + std::to_string(j.value("up_to", 0)) + ")");
    } else if (type == "error") {
      print(o, j, "error: " + j.value("code", "") + ": " + j.value("message", ""));
    } else if (o.json_output && type != "sync.done" && type != "pong") {
      std::cout << j.dump() << std::endl;
    }
  }
  ws.close();
}

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
  if (conv.empty()) {
    if (o.json_output)
      std::cout << R"({"messages":[]})" << std::endl;
    else
      std::cout << "no messages with " << with << std::endl;
    return;
  }
  auto page = expect(http_call(server, "GET",
                               "/v1/conversations/" + conv
                                 + "/messages?limit=" + std::to_string(limit),
                               {}, token),
                     200);
  if (o.json_output) {
    std::cout << page.dump() << std::endl;
    return;
  }
  auto& msgs = page["messages"];
  for (auto it = msgs.rbegin(); it != msgs.rend(); ++it) {
    auto from = (*it).value("from", "") == creds.value("user_id", "") ? "me" : with;
    std::cout << wire::escape_controls("[" + std::to_string((*it).value("seq", 0)) + "] "
                                       + from + ": " + shown_body((*it).value("body", "")))
              << '\n';
  }
}

} // namespace parley::cli
