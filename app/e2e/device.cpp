#include "app/e2e/device.hpp"

#include <algorithm>
#include <set>

#include "wire/e2e/envelope.hpp"

namespace parley::e2e_client {

device::device(state_store& store, directory& dir, id64 user, id64 device_id)
  : store_(store), dir_(dir), user_(user), device_(device_id) {
  auto own = store_.own_identity();
  if (!own)
    throw state_error("this device has no keys: log in again");
  identity_ = std::move(*own);
}

void device::remember(id64 user, id64 dev, const e2e::bytes& ik, const e2e::bytes& ikdh) {
  if (dev == device_)
    return;
  auto seen = store_.remember_device(user, dev, ik, ikdh);
  if (seen == identity_seen::changed)
    warnings_.push_back({"identity_changed", user, dev});
  else if (seen == identity_seen::first_time && store_.user_seen(user))
    warnings_.push_back({"new_device", user, dev});
}

std::optional<known_device> device::known(const device_address& d) {
  for (auto& k : store_.known_devices(d.user))
    if (k.device == d.device)
      return k;
  return std::nullopt;
}

void device::fetch_bundles(id64 owner, const std::vector<id64>& devices) {
  auto fetched = dir_.bundles(owner, devices);
  store_.transaction([&] {
    for (auto& b : fetched)
      remember(owner, b.device, b.keys.identity_key, b.keys.identity_dh);
    store_.mark_user_seen(owner);
  });
  for (auto& b : fetched)
    bundles_[b.device] = std::move(b);
}

std::vector<device_address> device::required_devices(const std::vector<id64>& members) {
  std::vector<device_address> out;
  for (auto member : members) {
    auto known_now = store_.known_devices(member);
    // A user never seen, or with none known (they may have logged in
    // since): every bundle at once.
    bool own_alone = member == user_ && store_.user_seen(member);
    if (!store_.user_seen(member) || (known_now.empty() && !own_alone)) {
      fetch_bundles(member, {});
      known_now = store_.known_devices(member);
    }
    for (auto& k : known_now)
      if (k.device != device_)
        out.push_back({member, k.device});
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<listed_device> device::refresh_devices(id64 user) {
  auto listed = dir_.devices(user);
  store_.transaction([&] {
    std::set<id64> current;
    for (auto& d : listed) {
      current.insert(d.device);
      remember(user, d.device, d.identity_key, d.identity_dh);
    }
    for (auto& k : store_.known_devices(user))
      if (!current.count(k.device))
        store_.forget_device(user, k.device); // revoked: not encrypted to again
    store_.mark_user_seen(user);
  });
  return listed;
}

void device::forget(const device_address& d) {
  store_.transaction([&] { store_.forget_device(d.user, d.device); });
  bundles_.erase(d.device);
}

std::map<id64, std::string> device::seal(const std::vector<device_address>& devices,
                                         const e2e::bytes& plaintext) {
  // Devices without a session and without a fetched bundle: one request
  // per owner, before the transaction.
  std::map<id64, std::vector<id64>> wanted;
  for (auto& d : devices)
    if (!bundles_.count(d.device) && store_.sessions(d.user, d.device).sessions.empty())
      wanted[d.user].push_back(d.device);
  for (auto& [owner, ids] : wanted)
    fetch_bundles(owner, ids);
  std::map<id64, std::string> out;
  store_.transaction([&] {
    for (auto& d : devices) {
      auto sessions = store_.sessions(d.user, d.device);
      if (sessions.sessions.empty()) {
        auto b = bundles_.find(d.device);
        if (b == bundles_.end())
          continue;
        auto started = e2e::initiate_session(identity_, b->second.keys, e2e::x25519_generate(),
                                             e2e::x25519_generate());
        bundles_.erase(b);
        if (!started) {
          warnings_.push_back({"bad_bundle", d.user, d.device});
          continue;
        }
        sessions.sessions.insert(sessions.sessions.begin(), std::move(*started));
      }
      auto sealed = e2e::seal_for(sessions, identity_, plaintext);
      if (!sealed)
        continue;
      store_.save_sessions(d.user, d.device, sessions);
      out.emplace(d.device, std::move(*sealed));
    }
  });
  return out;
}

void device::prepare_open(const device_address& from, const std::string& envelope) {
  auto k = known(from);
  if (!k) {
    refresh_devices(from.user);
    return;
  }
  // A prekey envelope naming another identity than the known one counts
  // only once the server's listing confirms it (E2E.md §12).
  auto parsed = e2e::parse_envelope(envelope);
  if (parsed.value && parsed.value->prekey
      && (parsed.value->ik != k->identity_key || parsed.value->ikdh != k->identity_dh))
    refresh_devices(from.user);
}

opened_pairwise device::open(const device_address& from, const std::string& envelope) {
  auto k = known(from);
  if (!k) {
    // Not listed by the server: its identity cannot be confirmed.
    auto parsed = e2e::parse_envelope(envelope);
    bool prekey = parsed.value && parsed.value->prekey;
    return {std::nullopt, prekey ? "identity_mismatch" : "no_session"};
  }
  auto sessions = store_.sessions(from.user, from.device);
  e2e::prekey_source prekeys{[&](std::uint32_t id) { return store_.signed_prekey(id); },
                             [&](std::uint32_t id) { return store_.one_time_prekey(id); }};
  auto opened = e2e::open_envelope(sessions, identity_, prekeys, k->identity_key,
                                   k->identity_dh, envelope, [] { return e2e::x25519_generate(); });
  if (!opened.plaintext)
    return {std::nullopt, opened.error};
  store_.save_sessions(from.user, from.device, sessions);
  if (opened.used_one_time_prekey)
    store_.drop_one_time_prekey(*opened.used_one_time_prekey);
  return {std::move(opened.plaintext), {}};
}

std::vector<warning> device::take_warnings() {
  return std::exchange(warnings_, {});
}

} // namespace parley::e2e_client
