#pragma once
// What a device asks the server to encrypt (../shared/E2E.md §4, §11): the
// key directory, device listings and a group's members. An interface, so
// that the CLI and parley-bench reach it over HTTP (app/e2e/http_directory)
// and unit tests over two devices in memory. The JSON readers are pure and
// refuse, whole, an answer that is not what E2E.md says.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "wire/e2e/x3dh.hpp"
#include "wire/ids.hpp"

namespace parley::e2e_client {

// The server refused (its code and message), or answered nonsense.
struct directory_error : std::runtime_error {
  directory_error(std::string code, const std::string& message)
    : std::runtime_error(code + ": " + message), code(std::move(code)) {}
  std::string code;
};

struct fetched_bundle {
  id64 device = 0;
  e2e::bundle keys;
};

struct listed_device {
  id64 device = 0;
  e2e::bytes identity_key;
  e2e::bytes identity_dh;
};

struct key_status {
  std::size_t unclaimed = 0;
  std::optional<std::uint32_t> signed_prekey_id; // none: nothing published
};

class directory {
public:
  virtual ~directory() = default;
  // GET /v1/keys/{user}[?devices=...]: claims a one-time prekey of each.
  virtual std::vector<fetched_bundle> bundles(id64 user, const std::vector<id64>& only) = 0;
  // GET /v1/users/{user}/devices: only devices whose identity_sig verifies.
  virtual std::vector<listed_device> devices(id64 user) = 0;
  virtual key_status status() = 0;                    // GET /v1/keys
  virtual std::size_t publish(const std::string& body) = 0; // PUT /v1/keys
  virtual std::vector<id64> members(const std::string& conversation) = 0;
};

// The answers' bodies. A device whose keys do not decode is left out of
// bundles (it cannot be encrypted to; the server's check then names it).
std::vector<fetched_bundle> parse_bundles(const nlohmann::json& answer);
std::vector<listed_device> parse_listing(const nlohmann::json& answer);
key_status parse_key_status(const nlohmann::json& answer);

} // namespace parley::e2e_client
