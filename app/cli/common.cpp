#include "app/cli/common.hpp"
#include "wire/terminal_text.hpp"

#include <termios.h>
#include <unistd.h>

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

[[noreturn]] void fail(int code, std::string reason) {
  throw cli_failure{code, std::move(reason)};
}

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

server_url server_of(const options& o) {
  auto parsed = parse_server_url(o.server);
  if (!parsed)
    fail(2, "--server must look like http://HOST:PORT or https://HOST[:PORT], got '"
              + o.server + "'");
  if (!o.ca_file.empty() && !parsed->tls)
    fail(2, "--ca-file is for https:// servers; --server is '" + o.server + "'");
  if (!o.ca_file.empty() && !fs::is_regular_file(o.ca_file))
    fail(2, "--ca-file: no such file '" + o.ca_file + "'");
  parsed->ca_file = o.ca_file;
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

namespace {

// Reads one line from stdin; on a terminal without echoing it.
bool read_secret_line(std::string& line) {
  termios saved{};
  bool terminal = ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (terminal) {
    auto quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  bool ok = static_cast<bool>(std::getline(std::cin, line));
  if (terminal) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << '\n';
  }
  return ok;
}

} // namespace

std::string read_password(const std::string& given) {
  if (!given.empty())
    return given;
  if (const char* env = std::getenv("PARLEY_PASSWORD"))
    return env;
  std::cerr << "password: " << std::flush;
  std::string line;
  if (!read_secret_line(line) || line.empty())
    fail(2, "no password given (type it at the prompt, or set PARLEY_PASSWORD)");
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
    std::cout << wire::escape_controls(human) << std::endl;
}

void print_lines(const options& o, const json& j, const std::vector<std::string>& human) {
  if (o.json_output) {
    std::cout << j.dump() << std::endl;
    return;
  }
  for (auto& line : human)
    std::cout << wire::escape_controls(line) << '\n';
  std::cout << std::flush;
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

json await_answer(ws_client& ws, const json& frame,
                  const std::function<void(const json&)>& on_other) {
  auto cid = frame.value("id", "");
  ws.send(frame.dump());
  auto deadline = steady_clock::now() + seconds(15);
  while (steady_clock::now() < deadline) {
    auto text = ws.read(milliseconds(500));
    if (!text)
      continue;
    auto j = json::parse(*text, nullptr, false);
    auto type = j.value("type", "");
    if ((type == "ack" && j.value("id", "") == cid)
        || (type == "error" && (j.value("ref", "") == cid || !j.contains("ref"))))
      return j;
    on_other(j);
  }
  fail(3, "no acknowledgement within 15 s: the message may not have been stored");
}

} // namespace parley::cli
