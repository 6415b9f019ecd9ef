#pragma once
// TURN credentials in coturn's shared-secret scheme (its TURN REST API,
// `use-auth-secret`): coturn checks them itself, with no call to parleyd
// (../shared/CALLS.md, "GET /v1/turn").
#include <cstdint>
#include <string>
#include <vector>

#include "wire/ids.hpp"

namespace parley::wire {

struct turn_settings {
  std::string secret;            // empty: TURN is not configured
  std::vector<std::string> urls; // in the order given
  std::int64_t ttl_s = 86400;
};

// base64(HMAC-SHA1(secret, username)), standard alphabet, padded.
std::string turn_credential(const std::string& secret, const std::string& username);

// "EXPIRY:USER_ID", EXPIRY = now + ttl in Unix seconds.
std::string turn_username(std::int64_t now_s, std::int64_t ttl_s, id64 user);

// {"urls","username","credential","ttl"} for `user` at `now_s`.
std::string turn_body(const turn_settings& turn, id64 user, std::int64_t now_s);

// Why `url` is not a URL parleyd hands out ("" if it is one): it must be
// turn:, turns: or stun: followed by a host.
std::string turn_url_fault(const std::string& url);

} // namespace parley::wire
