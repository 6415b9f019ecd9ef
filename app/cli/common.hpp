#pragma once
// What every command of the `parley` CLI shares: its options and failures
// (with their exit codes), the saved credentials, the server's URL, and
// the helpers that talk to the server (app/cli/common.cpp). The commands
// are app/cli/accounts.cpp, app/cli/messages.cpp and app/cli/media.cpp;
// app/parley.cpp parses the command line.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "net/client.hpp"

namespace parley::cli {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace parley::client;

// Exit codes: 0 ok, 1 refused by the server, 2 usage, 3 network, 4 not
// logged in.
struct cli_failure {
  int code;
  std::string reason;
};

[[noreturn]] void fail(int code, std::string reason);

struct options {
  std::string server = "http://127.0.0.1:8080";
  std::string ca_file; // verifies an https:// server; empty: the system's CAs
  bool json_output = false;
};

fs::path config_dir();

fs::path credentials_path();

void save_credentials(const json& creds);

json load_credentials();

server_url server_of(const options& o);

// Turns an error answer into a failure with the server's code and message.
json expect(const http_result& r, int status);

std::string read_password(const std::string& given);

std::string random_client_id();

void print(const options& o, const json& j, const std::string& human);

json lookup_user(const server_url& server, const json& creds, const std::string& name);

// Opens an authenticated websocket; returns the `ready` frame.
json open_ws(ws_client& ws, const server_url& server, const json& creds);

// --- the commands

// Sends one message to `peer` and waits for its ack (the commit).
json send_and_confirm(const server_url& server, const json& creds, const json& peer,
                      const std::string& body, const std::vector<std::string>& media = {});

std::string ack_summary(const json& ack);

void cmd_register(const options& o, const std::string& username, const std::string& pw);

void cmd_login(const options& o, const std::string& username, const std::string& pw,
               const std::string& device_name);

void cmd_logout(const options& o);

// Exit 0 only if every value of the file matched (app/cli/e2e_vectors.cpp).
int cmd_e2e_vectors(const std::string& path);

void cmd_send(const options& o, const std::string& to, const std::string& text);

void cmd_listen(const options& o, int count, int timeout_s);

void cmd_history(const options& o, const std::string& with, int limit);

// Uploads the file, then sends a message whose body describes it (what a
// receiving app needs to fetch and check it) and whose `media` names it.
void cmd_send_file(const options& o, const std::string& to, const std::string& path,
                   std::string content_type);

// Downloads next to `out` and moves it into place only once its SHA-256
// matches the server's ETag (and `expected`, from the message, if given).
void cmd_fetch(const options& o, const std::string& media_id, const std::string& out,
               const std::string& expected);

} // namespace parley::cli
