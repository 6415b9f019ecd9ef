// parley listen: syncs, then decrypts, stores, prints and receipts each
// message as it arrives (E2E.md §9, §13).
#include "app/cli/common.hpp"
#include "app/cli/display.hpp"
#include "app/cli/e2e_context.hpp"
#include "app/e2e/incoming.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <iostream>
#include <map>

namespace parley::cli {

using namespace std::chrono;

namespace {

volatile std::sig_atomic_t stop_listening = 0;

// Who is who and which conversations are groups, learnt as they appear.
class directory_names {
public:
  directory_names(const server_url& server, const json& creds)
    : server_(server), token_(creds["token"].get<std::string>()) {
    me_ = creds.value("user_id", "");
    names_[me_] = creds.value("username", "me");
    read_conversations();
  }

  std::string name_of(const std::string& id) const {
    auto it = names_.find(id);
    return it == names_.end() || it->second.empty() ? "user " + id : it->second;
  }

  bool is_group(const std::string& conversation) {
    auto it = kinds_.find(conversation);
    if (it == kinds_.end()) {
      read_conversations(); // a new one: its peer's name too
      it = kinds_.find(conversation);
    }
    if (it == kinds_.end()) {
      auto r = http_call(server_, "GET", "/v1/conversations/" + conversation, {}, token_);
      auto j = json::parse(r.body, nullptr, false);
      auto kind = r.status == 200 && j.is_object() ? j.value("kind", "direct") : "direct";
      it = kinds_.emplace(conversation, kind).first;
    }
    return it->second == "group";
  }

  const std::string& me() const {
    return me_;
  }

  // The other member of a 1:1 conversation, by name ("" if unknown).
  std::string peer_name(const std::string& conversation) const {
    auto it = peers_.find(conversation);
    return it == peers_.end() ? std::string{} : name_of(it->second);
  }

private:
  void read_conversations() {
    auto convs = expect(http_call(server_, "GET", "/v1/conversations", {}, token_), 200);
    for (auto& c : convs["conversations"]) {
      if (c.contains("peer")) {
        names_[c["peer"].get<std::string>()] = c.value("peer_username", "");
        peers_[c.value("conversation_id", "")] = c["peer"].get<std::string>();
      }
      kinds_[c.value("conversation_id", "")] = c.value("kind", "direct");
    }
  }

  server_url server_;
  std::string token_;
  std::string me_;
  std::map<std::string, std::string> names_, kinds_, peers_;
};

void receipt(ws_client& ws, const json& message) {
  // Cursors only move forward, so a duplicate's receipt is harmless.
  ws.send(json{{"type", "receipt"},
               {"status", "delivered"},
               {"conversation", message["conversation"]},
               {"up_to", message["seq"]}}
            .dump());
}

// Decrypts and stores; true if the message was shown (and counts).
bool handle_message(const options& o, e2e_context& ctx, directory_names& names,
                    ws_client& ws, const json& frame) {
  std::optional<json> shown;
  try {
    shown = refusals_as_failures([&] {
      return e2e_client::receive(*ctx.engine, frame,
                                 names.is_group(frame.value("conversation", "")))
        .shown;
    });
  } catch (const cli_failure& f) {
    // Not stored, not receipted: it comes again with the next sync.
    std::cerr << "parley: message " << frame.value("msg_id", "") << " not handled now: "
              << f.reason << std::endl;
    return false;
  }
  print_warnings(o, ctx);
  receipt(ws, frame); // only once what it said is on disk
  if (!shown)
    return false;
  auto name_of = [&](const std::string& id) { return names.name_of(id); };
  print(o, *shown,
        message_line(*shown, name_of, names.me(),
                     names.peer_name(shown->value("conversation", ""))));
  return true;
}

} // namespace

void cmd_listen(const options& o, int count, int timeout_s) {
  auto ctx = open_e2e(o);
  std::signal(SIGINT, [](int) { stop_listening = 1; });
  std::signal(SIGTERM, [](int) { stop_listening = 1; });
  ws_client ws;
  open_ws(ws, ctx.server, ctx.creds);
  ws.send(R"({"type":"sync"})");
  directory_names names{ctx.server, ctx.creds};
  int seen = 0;
  auto deadline = steady_clock::now() + seconds(timeout_s > 0 ? timeout_s : 1000000000);
  auto last_ping = steady_clock::now();
  while (!stop_listening && steady_clock::now() < deadline && (count <= 0 || seen < count)) {
    if (steady_clock::now() - last_ping > seconds(25)) { // the server closes silent sockets
      ws.send(R"({"type":"ping"})");
      last_ping = steady_clock::now();
    }
    auto frame = ws.read(milliseconds(250));
    if (!frame)
      continue;
    auto j = json::parse(*frame, nullptr, false);
    auto type = j.value("type", "");
    if (type == "message") {
      seen += handle_message(o, ctx, names, ws, j) ? 1 : 0;
    } else if (type == "sync.done") {
      if (j.value("more", false))
        ws.send(R"({"type":"sync"})");
    } else if (type == "keys_low") {
      ctx.keys_low = true;
      keep_prekeys(ctx);
    } else if (type == "receipt") {
      print(o, j, "(" + names.name_of(j.value("user", "")) + " " + j.value("status", "")
                    + " up to " + std::to_string(j.value("up_to", 0)) + ")");
    } else if (type == "error") {
      print(o, j, "error: " + j.value("code", "") + ": " + j.value("message", ""));
    } else if (o.json_output && type != "pong") {
      std::cout << j.dump() << std::endl;
    }
  }
  ws.close();
}

} // namespace parley::cli
