#pragma once
// One device's end-to-end engine (../shared/E2E.md §5–12), over its state
// store and the server's directory: which devices a conversation requires,
// what it knows of their identities (trust on first use, a change is a
// warning, never silent), pairwise envelopes sealed and opened with the
// ratchet state written in the same transaction. Sending and receiving
// whole messages build on it (app/e2e/outgoing, app/e2e/incoming).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/e2e/directory.hpp"
#include "app/e2e/state_store.hpp"

namespace parley::e2e_client {

struct device_address {
  id64 user = 0;
  id64 device = 0;
  friend bool operator<(const device_address& a, const device_address& b) {
    return a.device < b.device;
  }
  friend bool operator==(const device_address& a, const device_address& b) {
    return a.user == b.user && a.device == b.device;
  }
};

// Something the user must be told: `identity_changed` (a known device
// shows another identity), `new_device` (a peer added one).
struct warning {
  std::string code;
  id64 user = 0;
  id64 device = 0;
};

struct opened_pairwise {
  std::optional<e2e::bytes> plaintext;
  std::string error; // E2E.md §5–7's codes
};

class device {
public:
  // Throws state_error if the store holds no identity (not logged in).
  device(state_store& store, directory& dir, id64 user, id64 device_id);

  id64 user() const { return user_; }
  id64 id() const { return device_; }
  state_store& store() { return store_; }
  directory& server() { return dir_; }

  // Every device of `members` this one encrypts to (E2E.md §9), this one
  // left out. A user never seen, or with no device known, is fetched whole
  // (GET /v1/keys/{user}); the bundles are kept for `seal`.
  std::vector<device_address> required_devices(const std::vector<id64>& members);
  // Fetches the bundles of these devices of `owner` (stale_devices' missing).
  void fetch_bundles(id64 owner, const std::vector<id64>& devices);
  // Refreshes `user`'s devices from the listing; their identities checked.
  std::vector<listed_device> refresh_devices(id64 user);
  void forget(const device_address& d);

  // One envelope of `plaintext` per device, each session's new state
  // written before this returns, all in one transaction. Devices with
  // neither a session nor a fetched bundle are left out; a bundle that
  // does not verify too (with a `bad_bundle` warning).
  std::map<id64, std::string> seal(const std::vector<device_address>& devices,
                                   const e2e::bytes& plaintext);

  // Opens an envelope from `from` inside the caller's transaction
  // (`prepare_open` first, outside it, for the network look-ups).
  void prepare_open(const device_address& from, const std::string& envelope);
  opened_pairwise open(const device_address& from, const std::string& envelope);

  std::vector<warning> take_warnings();

private:
  void remember(id64 user, id64 device, const e2e::bytes& ik, const e2e::bytes& ikdh);
  std::optional<known_device> known(const device_address& d);

  state_store& store_;
  directory& dir_;
  id64 user_;
  id64 device_;
  e2e::identity identity_;
  std::map<id64, fetched_bundle> bundles_; // fetched, not yet used
  std::vector<warning> warnings_;
};

} // namespace parley::e2e_client
