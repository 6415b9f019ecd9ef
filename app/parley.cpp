// parley: the command-line client. `parley --help` lists the commands.
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

#include "net/client.hpp"

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace parley::client;
using namespace std::chrono;

namespace {

// Exit codes: 0 ok, 1 refused by the server, 2 usage, 3 network, 4 not
// logged in.
struct cli_failure {
  int code;
  std::string reason;
};

[[noreturn]] void fail(int code, std::string reason) {
  throw cli_failure{code, std::move(reason)};
}

struct options {
  std::string server = "http://127.0.0.1:8080";
  bool json_output = false;
};

fs::path config_dir() {
  const char* home = std::getenv("HOME");
  if (!home || !*home)
    fail(2, "HOME is not set: cannot find ~/.config/parley");
  return fs::path{home} / ".config" / "parley";
}

fs::path credentials_path() {
  return config_dir() / "credentials.json";
}

void save_credentials(const json& creds) {
  auto dir = config_dir();
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
  auto path = credentials_path();
  auto tmp = path;
  tmp += ".tmp";
  {
    // Create with 0600 before writing the token into it.
    std::ofstream out{tmp, std::ios::trunc};
    if (!out)
      fail(1, "cannot write " + tmp.string());
    fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace);
    out << creds.dump(2) << '\n';
  }
  fs::rename(tmp, path);
}

json load_credentials() {
  std::ifstream in{credentials_path()};
  if (!in)
    fail(4, "not logged in: run `parley login USERNAME` first");
  auto creds = json::parse(in, nullptr, false);
  if (creds.is_discarded() || !creds.contains("token"))
    fail(4, credentials_path().string() + " is damaged: log in again");
  return creds;
}

server_url server_of(const std::string& url) {
  auto parsed = parse_server_url(url);
  if (!parsed)
    fail(2, "--server must look like http://HOST:PORT, got '" + url + "'");
  return *parsed;
}

// Turns an error answer into a failure with the server's code and message.
json expect(const http_result& r, int status) {
  auto body = json::parse(r.body, nullptr, false);
  if (r.status == status)
    return body.is_discarded() ? json::object() : body;
  if (!body.is_discarded() && body.contains("code"))
    fail(1, body.value("code", "") + ": " + body.value("message", ""));
  fail(1, "unexpected HTTP status " + std::to_string(r.status));
}

std::string read_password(const std::string& given) {
  if (!given.empty())
    return given;
  if (const char* env = std::getenv("PARLEY_PASSWORD"))
    return env;
  std::cerr << "password: " << std::flush;
  std::string line;
  if (!std::getline(std::cin, line) || line.empty())
    fail(2, "no password given (use --password, PARLEY_PASSWORD or stdin)");
  return line;
}

std::string random_client_id() {
  unsigned char raw[12];
  RAND_bytes(raw, sizeof raw);
  static const char* digits = "0123456789abcdef";
  std::string out = "cli-";
  for (auto b : raw) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

void print(const options& o, const json& j, const std::string& human) {
  if (o.json_output)
    std::cout << j.dump() << std::endl;
  else
    std::cout << human << std::endl;
}

json lookup_user(const server_url& server, const json& creds, const std::string& name) {
  return expect(http_call(server, "GET", "/v1/users/by-name/" + name, {},
                          creds["token"].get<std::string>()),
                200);
}

// Opens an authenticated websocket; returns the `ready` frame.
json open_ws(ws_client& ws, const server_url& server, const json& creds) {
  ws.connect(server);
  ws.send(json{{"type", "auth"}, {"token", creds["token"]}}.dump());
  for (;;) {
    auto frame = ws.read(seconds(10));
    if (!frame)
      fail(3, "no answer to authentication within 10 s");
    auto j = json::parse(*frame, nullptr, false);
    if (j.value("type", "") == "ready")
      return j;
    if (j.value("type", "") == "error")
      fail(j.value("code", "") == "unauthorized" ? 4 : 1,
           j.value("code", "") + ": " + j.value("message", ""));
  }
}

void cmd_register(const options& o, const std::string& username, const std::string& pw) {
  auto server = server_of(o.server);
  auto r = expect(http_call(server, "POST", "/v1/users",
                            json{{"username", username}, {"password", read_password(pw)}}
                              .dump()),
                  201);
  print(o, r, "registered " + username + " (user " + r.value("user_id", "") + ")");
}

void cmd_login(const options& o, const std::string& username, const std::string& pw,
               const std::string& device_name) {
  auto server = server_of(o.server);
  json req{{"username", username}, {"password", read_password(pw)}};
  if (!device_name.empty())
    req["device_name"] = device_name;
  auto r = expect(http_call(server, "POST", "/v1/sessions", req.dump()), 200);
  json creds{{"server", o.server},        {"username", username},
             {"user_id", r["user_id"]},   {"device_id", r["device_id"]},
             {"token", r["token"]}};
  save_credentials(creds);
  json shown = creds;
  shown.erase("token");
  print(o, shown,
        "logged in as " + username + " (device " + r.value("device_id", "") + ")");
}

// Sends one message to `peer` and waits for its ack (the commit).
json send_and_confirm(const server_url& server, const json& creds, const json& peer,
                      const std::string& body, const std::vector<std::string>& media = {}) {
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
  auto server = server_of(o.server);
  auto ack = send_and_confirm(server, creds, lookup_user(server, creds, to), text);
  print(o, ack, "sent to " + to + " (" + ack_summary(ack) + ")");
}

// The type a receiving app shows the file as, from its extension.
std::string content_type_of(const fs::path& path) {
  static const std::map<std::string, std::string> types = {
    {".jpg", "image/jpeg"},  {".jpeg", "image/jpeg"}, {".png", "image/png"},
    {".gif", "image/gif"},   {".webp", "image/webp"}, {".heic", "image/heic"},
    {".mp4", "video/mp4"},   {".mov", "video/quicktime"}, {".webm", "video/webm"},
    {".mp3", "audio/mpeg"},  {".ogg", "audio/ogg"},   {".opus", "audio/ogg"},
    {".m4a", "audio/mp4"},   {".pdf", "application/pdf"}, {".zip", "application/zip"},
    {".txt", "text/plain"},  {".json", "application/json"}};
  auto ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto it = types.find(ext);
  return it == types.end() ? "application/octet-stream" : it->second;
}

// Uploads the file, then sends a message whose body describes it (what a
// receiving app needs to fetch and check it) and whose `media` names it.
void cmd_send_file(const options& o, const std::string& to, const std::string& path,
                   std::string content_type) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    fail(2, path + ": no such file");
  auto creds = load_credentials();
  auto server = server_of(o.server);
  auto peer = lookup_user(server, creds, to);
  if (content_type.empty())
    content_type = content_type_of(path);
  auto up = expect(upload_file(server, "/v1/media", path, content_type,
                               creds["token"].get<std::string>()),
                   201);
  json body{{"type", "media"},
            {"media_id", up["media_id"]},
            {"size", up["size"]},
            {"sha256", up["sha256"]},
            {"content_type", content_type},
            {"name", fs::path{path}.filename().string()}};
  auto ack = send_and_confirm(server, creds, peer, body.dump(),
                              {up["media_id"].get<std::string>()});
  json shown = ack;
  shown["media"] = body;
  print(o, shown,
        "sent " + fs::path{path}.filename().string() + " to " + to + " ("
          + std::to_string(up.value("size", 0)) + " bytes, media "
          + up.value("media_id", "") + ", " + ack_summary(ack) + ")");
}

// Downloads next to `out` and moves it into place only once its SHA-256
// matches the server's ETag (and `expected`, from the message, if given).
void cmd_fetch(const options& o, const std::string& media_id, const std::string& out,
               const std::string& expected) {
  auto creds = load_credentials();
  auto server = server_of(o.server);
  auto part = out + ".part";
  auto r = download_file(server, "/v1/media/" + media_id, part,
                         creds["token"].get<std::string>());
  if (r.status != 200)
    expect({r.status, r.error_body}, 200);
  auto want = expected.empty() ? r.etag : expected;
  if (r.sha256 != want || (!expected.empty() && r.etag != expected)) {
    fs::remove(part);
    fail(1, "sha256 mismatch: got " + r.sha256 + ", expected " + want
              + " (the download was discarded)");
  }
  fs::rename(part, out);
  print(o, json{{"media_id", media_id}, {"file", out}, {"size", r.size}, {"sha256", r.sha256}},
        "saved " + out + " (" + std::to_string(r.size) + " bytes, sha256 " + r.sha256
          + " verified)");
}

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

void cmd_listen(const options& o, int count, int timeout_s) {
  auto creds = load_credentials();
  auto server = server_of(o.server);
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
  auto server = server_of(o.server);
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
    std::cout << "[" << (*it).value("seq", 0) << "] " << from << ": "
              << shown_body((*it).value("body", "")) << '\n';
  }
}

void cmd_logout(const options& o) {
  auto creds = load_credentials();
  auto server = server_of(o.server);
  expect(http_call(server, "DELETE", "/v1/sessions/current", {},
                   creds["token"].get<std::string>()),
         204);
  fs::remove(credentials_path());
  print(o, json{{"logged_out", true}}, "logged out");
}

} // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{"parley: command-line client for a Parley server"};
  app.set_version_flag("--version", "parley " PARLEY_VERSION);
  app.require_subcommand(1);
  app.fallthrough(); // --server and --json may also follow the command
  app.add_option("--server", o.server, "server URL")
    ->envname("PARLEY_SERVER")
    ->capture_default_str();
  app.add_flag("--json", o.json_output, "print JSON, one object per line");

  std::string username, password, device_name, peer, text;
  int count = 0, timeout_s = 0, limit = 50;

  auto* reg = app.add_subcommand("register", "create an account");
  reg->add_option("username", username)->required();
  reg->add_option("password", password, "(visible to other local users: prefer the flag, env or stdin)");
  reg->add_option("--password", password, "or $PARLEY_PASSWORD, or stdin");

  auto* login = app.add_subcommand("login", "log in as a new device");
  login->add_option("username", username)->required();
  login->add_option("password", password, "(visible to other local users: prefer the flag, env or stdin)");
  login->add_option("--password", password, "or $PARLEY_PASSWORD, or stdin");
  login->add_option("--device-name", device_name, "a name for this device");

  auto* send = app.add_subcommand("send", "send a message to a user");
  send->add_option("user", peer)->required();
  send->add_option("text", text)->required();

  std::string file_path, content_type, media_id, output, sha256;
  auto* send_file = app.add_subcommand("send-file", "upload a file and send it to a user");
  send_file->add_option("user", peer)->required();
  send_file->add_option("path", file_path)->required();
  send_file->add_option("--content-type", content_type,
                        "MIME type (default: from the file's extension)");

  auto* fetch = app.add_subcommand("fetch", "download a file and verify its SHA-256");
  fetch->add_option("media_id", media_id)->required();
  fetch->add_option("-o,--output", output, "where to save it")->required();
  fetch->add_option("--sha256", sha256, "the SHA-256 the message announced");

  auto* listen = app.add_subcommand("listen", "print messages and receipts as they arrive");
  listen->add_option("--count", count, "exit after this many messages");
  listen->add_option("--timeout", timeout_s, "exit after this many seconds");

  auto* history = app.add_subcommand("history", "show the messages exchanged with a user");
  history->add_option("user", peer)->required();
  history->add_option("--limit", limit, "at most this many (1-200)")
    ->check(CLI::Range(1, 200));

  auto* logout = app.add_subcommand("logout", "revoke this device's token");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*reg)
      cmd_register(o, username, password);
    else if (*login)
      cmd_login(o, username, password, device_name);
    else if (*send)
      cmd_send(o, peer, text);
    else if (*send_file)
      cmd_send_file(o, peer, file_path, content_type);
    else if (*fetch)
      cmd_fetch(o, media_id, output, sha256);
    else if (*listen)
      cmd_listen(o, count, timeout_s);
    else if (*history)
      cmd_history(o, peer, limit);
    else if (*logout)
      cmd_logout(o);
  } catch (const cli_failure& f) {
    std::cerr << "parley: " << f.reason << std::endl;
    return f.code;
  } catch (const client_error& e) {
    std::cerr << "parley: " << e.what() << std::endl;
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "parley: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
