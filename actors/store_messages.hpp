#pragma once
// What the store actors are asked and answer besides messages: accounts,
// media, sync pages and presence records (actors/store.hpp lists the calls).
// Every struct has an `inspect` overload so it can cross nodes.
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>

#include "actors/wire_inspect.hpp"
#include "wire/e2e/key_directory.hpp"
#include "wire/ids.hpp"

namespace parley {

// --- requests and replies ---------------------------------------------------
// A login whose password the hasher (actors/hasher.hpp) has checked: the
// store signs the device in.
struct login_request {
  id64 user_id = 0;
  std::string device_name;
  id64 device_id = 0; // 0: a new device
};

// What a password is checked against; user_id 0 and an empty hash for a
// username that does not exist.
struct user_secret {
  id64 user_id = 0;
  std::string password_hash;
};

struct login_result {
  std::string token;
  id64 user_id = 0;
  id64 device_id = 0;
};

struct identity {
  id64 user_id = 0;
  id64 device_id = 0;
};

// POST /v1/me/password from `who`, the new password already hashed:
// every other device is signed out.
struct password_change {
  identity who;
  std::string new_hash;
};

struct media_info {
  std::string media_id;
  id64 owner = 0;
  std::int64_t size = 0;
  std::string sha256;
  std::string content_type;
};

struct sync_page {
  std::vector<std::string> frames;
  bool more = false;
  // Per frame: its conversation and seq (for acknowledging what was read).
  std::vector<id64> conversations;
  std::vector<std::int64_t> seqs;
};

// A user's stored presence.
struct presence_record {
  std::int64_t last_seen = 0; // 0: never seen
  std::string privacy = "everyone";
  std::vector<id64> blocked; // whom this user blocks
};

// One user a viewer subscribes to.
struct presence_target {
  id64 user = 0;
  bool contact = false; // they share a conversation
};

// What a subscription needs to know about the viewer and the targets that
// exist (unknown users are absent).
struct presence_view {
  std::string viewer_privacy = "everyone";
  std::vector<presence_target> targets;
};

// --- the key directory (../shared/E2E.md §4) -------------------------------
// PUT /v1/keys from `who`, its body already read into fields.
struct key_publication {
  identity who;
  e2e::key_upload upload;
};

// GET /v1/keys/{user}[?devices=...] from `who`.
struct key_claim {
  identity who;
  id64 user = 0;
  bool all_devices = true;
  std::vector<id64> only; // with all_devices false
};

// GET /v1/keys: the device's signed prekey id (-1: nothing published) and
// unclaimed one-time prekeys.
struct own_key_status {
  std::int64_t signed_prekey_id = -1;
  std::int64_t unclaimed = 0;
};

struct claimed_bundles {
  std::string body; // the answer, as JSON
  std::int32_t bundles = 0;
  // Devices the claim left with fewer than 10 unclaimed one-time prekeys.
  std::vector<id64> low_devices;
  std::vector<std::int64_t> low_remaining;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, key_claim& x) {
  return f(caf::meta::type_name("key_claim"), x.who, x.user, x.all_devices, x.only);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, own_key_status& x) {
  return f(caf::meta::type_name("own_key_status"), x.signed_prekey_id, x.unclaimed);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, claimed_bundles& x) {
  return f(caf::meta::type_name("claimed_bundles"), x.body, x.bundles, x.low_devices,
           x.low_remaining);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, login_request& x) {
  return f(caf::meta::type_name("login_request"), x.user_id, x.device_name, x.device_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, password_change& x) {
  return f(caf::meta::type_name("password_change"), x.who, x.new_hash);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_secret& x) {
  return f(caf::meta::type_name("user_secret"), x.user_id, x.password_hash);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, login_result& x) {
  return f(caf::meta::type_name("login_result"), x.token, x.user_id, x.device_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, identity& x) {
  return f(caf::meta::type_name("identity"), x.user_id, x.device_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, media_info& x) {
  return f(caf::meta::type_name("media_info"), x.media_id, x.owner, x.size,
           x.sha256, x.content_type);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sync_page& x) {
  return f(caf::meta::type_name("sync_page"), x.frames, x.more, x.conversations, x.seqs);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, presence_record& x) {
  return f(caf::meta::type_name("presence_record"), x.last_seen, x.privacy, x.blocked);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, presence_target& x) {
  return f(caf::meta::type_name("presence_target"), x.user, x.contact);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, presence_view& x) {
  return f(caf::meta::type_name("presence_view"), x.viewer_privacy, x.targets);
}

} // namespace parley

// Asked of a store on the same node only (the store pools are node-local),
// so it never needs to cross the network.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(parley::key_publication)
