#pragma once
// What every command of the `parley` CLI shares: its options and failures
// (with their exit codes), the saved credentials, the server's URL, and
// the helpers that talk to the server (app/cli/common.cpp). The commands
// are app/cli/accounts.cpp, app/cli/messages.cpp and app/cli/media.cpp;
// app/parley.cpp parses the command line.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
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

// `j` with --json, else `human` with control characters escaped (one line:
// a newline in it is escaped too, so that no text can forge a line).
void print(const options& o, const json& j, const std::string& human);

// The same with several lines of human output, each escaped.
void print_lines(const options& o, const json& j, const std::vector<std::string>& human);

json lookup_user(const server_url& server, const json& creds, const std::string& name);

// Opens an authenticated websocket; returns the `ready` frame.
json open_ws(ws_client& ws, const server_url& server, const json& creds);

// Sends `frame` and waits up to 15 s for the ack or error that answers it;
// other frames on the way go to `on_other`.
json await_answer(ws_client& ws, const json& frame,
                  const std::function<void(const json&)>& on_other);

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

// Encrypted for every required device unless `plain` (app/cli/messages.cpp).
void cmd_send(const options& o, const std::string& to, const std::string& text, bool plain);

void cmd_send_group(const options& o, const std::string& conversation, const std::string& text);

// Decrypts, stores, prints, then receipts (app/cli/listen.cpp).
void cmd_listen(const options& o, int count, int timeout_s);

// This device's stored, decrypted history with `with`.
void cmd_history(const options& o, const std::string& with, int limit);

// Encrypts the file (E2E.md §10), uploads the ciphertext and sends its key
// to every required device; `plain`: the file as it is (app/cli/media.cpp).
void cmd_send_file(const options& o, const std::string& to, const std::string& path,
                   std::string content_type, bool plain);

struct fetch_keys {
  std::string key;    // B64 media key; empty: from the stored history
  std::string sha256; // of the upload
  bool raw = false;   // the stored bytes, checked against the SHA-256 only
};

// Downloads, verifies and decrypts into `out` (via `out`.part).
void cmd_fetch(const options& o, const std::string& media_id, const std::string& out,
               const fetch_keys& given);

// A user's devices with fingerprints, and the pair's safety number
// (app/cli/devices.cpp).
void cmd_devices(const options& o, const std::string& username);

void cmd_safety_number(const options& o, const std::string& username);

} // namespace parley::cli
