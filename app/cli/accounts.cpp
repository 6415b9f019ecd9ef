// parley register, login (a new device with its keys published) and logout
// (the token revoked, the device's state deleted).
#include "app/cli/common.hpp"
#include "app/cli/e2e_context.hpp"
#include "app/e2e/device_keys.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace parley::cli {

void cmd_register(const options& o, const std::string& username, const std::string& pw) {
  auto server = server_of(o);
  auto r = expect(http_call(server, "POST", "/v1/users",
                            json{{"username", username}, {"password", read_password(pw)}}
                              .dump()),
                  201);
  print(o, r, "registered " + username + " (user " + r.value("user_id", "") + ")");
}

namespace {

// Revokes a token that was just issued (its keys could not be published).
void revoke_quietly(const server_url& server, const std::string& token) {
  try {
    http_call(server, "DELETE", "/v1/sessions/current", {}, token);
  } catch (const std::exception&) {
  }
}

} // namespace

// A new device: its keys made and published (E2E.md §13), or nothing.
void cmd_login(const options& o, const std::string& username, const std::string& pw,
               const std::string& device_name) {
  auto server = server_of(o);
  json req{{"username", username}, {"password", read_password(pw)}};
  if (!device_name.empty())
    req["device_name"] = device_name;
  auto r = expect(http_call(server, "POST", "/v1/sessions", req.dump()), 200);
  auto token = r["token"].get<std::string>();
  std::size_t prekeys = 0;
  try {
    fs::create_directories(config_dir());
    remove_state(); // a previous device's keys and sessions are not this one's
    e2e_client::state_store store{config_dir()};
    e2e_client::http_directory dir{server, token};
    prekeys = e2e_client::publish_new_keys(store, dir, now_ms());
  } catch (const std::exception& e) {
    revoke_quietly(server, token);
    remove_state();
    fs::remove(credentials_path());
    fail(dynamic_cast<const client_error*>(&e) ? 3 : 1,
         std::string{"could not publish this device's keys, so it was logged out: "}
           + e.what());
  }
  json creds{{"server", o.server},        {"username", username},
             {"user_id", r["user_id"]},   {"device_id", r["device_id"]},
             {"token", token}};
  save_credentials(creds);
  json shown = creds;
  shown.erase("token");
  shown["one_time_prekeys"] = prekeys;
  print(o, shown,
        "logged in as " + username + " (device " + r.value("device_id", "")
          + ", keys published with " + std::to_string(prekeys) + " one-time prekeys)");
}

// Revokes the token and deletes the device's state; a token the server no
// longer knows is as good as revoked.
void cmd_logout(const options& o) {
  auto creds = load_credentials();
  auto server = server_of(o);
  auto r = http_call(server, "DELETE", "/v1/sessions/current", {},
                     creds["token"].get<std::string>());
  if (r.status != 204 && r.status != 401)
    expect(r, 204);
  remove_state();
  fs::remove(credentials_path());
  print(o, json{{"logged_out", true}}, "logged out; this device's keys and history are deleted");
}

} // namespace parley::cli
