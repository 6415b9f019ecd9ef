// parley register, login and logout.
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

void cmd_register(const options& o, const std::string& username, const std::string& pw) {
  auto server = server_of(o);
  auto r = expect(http_call(server, "POST", "/v1/users",
                            json{{"username", username}, {"password", read_password(pw)}}
                              .dump()),
                  201);
  print(o, r, "registered " + username + " (user " + r.value("user_id", "") + ")");
}

void cmd_login(const options& o, const std::string& username, const std::string& pw,
               const std::string& device_name) {
  auto server = server_of(o);
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

void cmd_logout(const options& o) {
  auto creds = load_credentials();
  auto server = server_of(o);
  expect(http_call(server, "DELETE", "/v1/sessions/current", {},
                   creds["token"].get<std::string>()),
         204);
  fs::remove(credentials_path());
  print(o, json{{"logged_out", true}}, "logged out");
}

} // namespace parley::cli
