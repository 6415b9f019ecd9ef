// parley devices and safety-number (E2E.md §12): identities refreshed from
// the server's listing, checked against the ones this device saw before.
#include "app/cli/common.hpp"
#include "app/cli/e2e_context.hpp"
#include "wire/e2e/safety_number.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace parley::cli {

namespace {

id64 user_id_of(const json& user) {
  auto id = parse_id(user.value("user_id", ""));
  if (!id)
    fail(1, "the server sent a malformed user id");
  return *id;
}

// The identity keys `user` is encrypted to: the listing (this device's
// own included for one's own user).
std::vector<e2e::bytes> identity_keys(e2e_context& ctx, id64 user) {
  std::vector<e2e::bytes> keys;
  for (auto& d : refusals_as_failures([&] { return ctx.engine->refresh_devices(user); }))
    keys.push_back(d.identity_key);
  return keys;
}

} // namespace

void cmd_devices(const options& o, const std::string& username) {
  auto ctx = open_e2e(o);
  auto user = lookup_user(ctx.server, ctx.creds, username);
  auto id = user_id_of(user);
  auto listed = refusals_as_failures([&] { return ctx.engine->refresh_devices(id); });
  print_warnings(o, ctx);
  std::map<id64, bool> changed;
  for (auto& k : ctx.store->known_devices(id))
    changed[k.device] = k.changed;
  json devices = json::array();
  std::vector<std::string> human{username + " has " + std::to_string(listed.size()) + " device"
                                 + (listed.size() == 1 ? "" : "s") + " with keys"};
  for (auto& d : listed) {
    auto fp = e2e::device_fingerprint(d.identity_key);
    devices.push_back({{"device_id", std::to_string(d.device)},
                       {"identity_key", e2e::b64(d.identity_key)},
                       {"fingerprint", fp},
                       {"identity_changed", changed[d.device]}});
    auto line = std::to_string(d.device) + "  " + fp;
    if (d.device == ctx.device_id)
      line += "  (this device)";
    if (changed[d.device])
      line += "  (identity changed)";
    human.push_back(std::move(line));
  }
  print_lines(o, json{{"user", username}, {"user_id", std::to_string(id)}, {"devices", devices}},
              human);
}

void cmd_safety_number(const options& o, const std::string& username) {
  auto ctx = open_e2e(o);
  auto user = lookup_user(ctx.server, ctx.creds, username);
  auto peer = user_id_of(user);
  auto mine = e2e::fingerprint(std::to_string(ctx.user), identity_keys(ctx, ctx.user));
  auto theirs = e2e::fingerprint(std::to_string(peer), identity_keys(ctx, peer));
  print_warnings(o, ctx);
  auto number = e2e::safety_number(ctx.user, mine, peer, theirs);
  print(o, json{{"user", username}, {"user_id", std::to_string(peer)}, {"safety_number", number}},
        number);
}

} // namespace parley::cli
