#pragma once
// What the store actors are asked and answer besides messages: accounts,
// media, sync pages and presence records (actors/store.hpp lists the calls).
// Every struct has an `inspect` overload so it can cross nodes.
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "actors/wire_inspect.hpp"
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
