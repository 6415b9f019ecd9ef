#include "app/cli/e2e_context.hpp"

#include <chrono>
#include <iostream>

#include "app/e2e/device_keys.hpp"

namespace parley::cli {

using namespace std::chrono;

std::int64_t now_ms() {
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void remove_state() {
  auto dir = config_dir();
  for (auto* name : {"state.db", "state.db-wal", "state.db-shm", "state.db-journal"})
    fs::remove(dir / name);
}

e2e_context open_e2e(const options& o) {
  e2e_context ctx;
  ctx.creds = load_credentials();
  ctx.server = server_of(o);
  auto user = parse_id(ctx.creds.value("user_id", ""));
  auto dev = parse_id(ctx.creds.value("device_id", ""));
  if (!user || !dev)
    fail(4, credentials_path().string() + " is damaged: log in again");
  ctx.user = *user;
  ctx.device_id = *dev;
  if (!fs::exists(config_dir() / "state.db"))
    fail(4, "this device has no keys (logged in before encryption?): log in again");
  return refusals_as_failures([&] {
    ctx.store = std::make_unique<e2e_client::state_store>(config_dir());
    ctx.dir = std::make_unique<e2e_client::http_directory>(ctx.server,
                                                           ctx.creds["token"].get<std::string>());
    ctx.engine = std::make_unique<e2e_client::device>(*ctx.store, *ctx.dir, ctx.user, ctx.device_id);
    e2e_client::rotate_signed_prekey(*ctx.store, *ctx.dir, now_ms());
    return std::move(ctx);
  });
}

json await_answer(ws_client& ws, const json& frame, e2e_context& ctx) {
  return await_answer(ws, frame, [&](const json& other) {
    if (other.value("type", "") == "keys_low")
      ctx.keys_low = true;
  });
}

void keep_prekeys(e2e_context& ctx) {
  if (!ctx.keys_low)
    return;
  ctx.keys_low = false;
  try {
    e2e_client::replenish_prekeys(*ctx.store, *ctx.dir);
  } catch (const std::exception& e) {
    std::cerr << "parley: could not upload new one-time prekeys: " << e.what() << std::endl;
  }
}

void print_warnings(const options& o, e2e_context& ctx) {
  for (auto& w : ctx.engine->take_warnings()) {
    json j{{"type", "warning"}, {"code", w.code}, {"user", std::to_string(w.user)},
           {"device_id", std::to_string(w.device)}};
    std::string human;
    if (w.code == "identity_changed")
      human = "WARNING: the identity of device " + std::to_string(w.device) + " of user "
              + std::to_string(w.user)
              + " changed: your safety number with them changed. Verify it (parley "
                "safety-number) before trusting what they send.";
    else if (w.code == "new_device")
      human = "notice: user " + std::to_string(w.user) + " has a new device "
              + std::to_string(w.device) + " (the safety number changed)";
    else
      human = "warning: " + w.code + " for device " + std::to_string(w.device);
    // Only the identity change is a line of --json output (E2E.md §13);
    // the notices go to stderr either way.
    if (o.json_output && w.code == "identity_changed")
      std::cout << j.dump() << std::endl;
    else
      std::cerr << "parley: " << human << std::endl;
  }
}

} // namespace parley::cli
