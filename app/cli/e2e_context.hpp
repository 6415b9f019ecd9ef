#pragma once
// What every encrypting command of the CLI opens first: the saved
// credentials, the device's E2E state (app/e2e) and its engine, with an old
// signed prekey replaced (E2E.md §13); and the websocket helpers that
// carry a send and notice `keys_low` on the way.
#include <memory>
#include <string>

#include "app/cli/common.hpp"
#include "app/e2e/device.hpp"
#include "app/e2e/http_directory.hpp"
#include "app/e2e/outgoing.hpp"
#include "app/e2e/state_store.hpp"

namespace parley::cli {

struct e2e_context {
  json creds;
  server_url server;
  id64 user = 0;
  id64 device_id = 0;
  std::unique_ptr<e2e_client::state_store> store;
  std::unique_ptr<e2e_client::http_directory> dir;
  std::unique_ptr<e2e_client::device> engine;
  bool keys_low = false; // the server asked for one-time prekeys
};

std::int64_t now_ms();

// The device's state files (state.db and SQLite's companions), removed at
// login (a new device) and logout.
void remove_state();

// Loads everything; exit 4 without credentials or keys.
e2e_context open_e2e(const options& o);

// Sends `frame` and waits up to 15 s for the ack or error that answers it.
json await_answer(ws_client& ws, const json& frame, e2e_context& ctx);

// Tops one-time prekeys up if the server asked; never fails the command.
void keep_prekeys(e2e_context& ctx);

// Prints the engine's warnings: identity changes loudly (stderr too).
void print_warnings(const options& o, e2e_context& ctx);

// Where a send goes: a user (1:1) or a group conversation.
struct send_target {
  id64 peer = 0;
  std::string group; // empty: 1:1 to `peer`
};

// Encrypts and sends one plaintext (E2E.md §8) on a new websocket, keeps
// the sent copy in this device's history, tops prekeys up if asked
// (app/cli/messages.cpp).
e2e_client::sent_message send_encrypted(e2e_context& ctx, const send_target& target,
                                        const std::string& plaintext,
                                        const std::vector<std::string>& media);

// Maps the engine's refusals to the CLI's failures and exit codes.
template <class F>
auto refusals_as_failures(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const e2e_client::send_refused& e) {
    fail(1, e.what());
  } catch (const e2e_client::directory_error& e) {
    fail(e.code == "unauthorized" ? 4 : 1, e.what());
  } catch (const e2e_client::state_error& e) {
    fail(1, std::string{"local state: "} + e.what());
  }
}

} // namespace parley::cli
