#pragma once
// The key directory's rules (../shared/E2E.md §4), pure: reading a
// `PUT /v1/keys` body, checking it against what the device already has in
// the table's order, and the JSON of bundles and device listings. The
// server's store runs them inside the upload's transaction; clients build
// their uploads with `upload_json`.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "wire/ids.hpp"

namespace parley::e2e {

constexpr std::size_t max_prekeys_per_upload = 100;
constexpr std::size_t max_unclaimed_prekeys = 1000;
// Below this many unclaimed one-time prekeys a device is told `keys_low`.
constexpr std::size_t keys_low_threshold = 10;

// Why an upload is refused, in the order E2E.md checks.
enum class key_fault : std::uint8_t {
  invalid_json,
  invalid_field,
  missing_field,
  too_many_prekeys,
  bad_key,
  bad_signature,
  identity_mismatch,
  prekey_id_reused,
};

struct key_refusal {
  key_fault fault;
  std::string message;
};

std::string_view code_of(key_fault fault);
int http_status_of(key_fault fault);

// Keys as the strict B64 text they travel in (canonical: see bytes.hpp).
struct published_identity {
  std::string key; // Ed25519 IK
  std::string dh;  // X25519 IKdh
  std::string sig;
};

struct published_prekey {
  std::uint32_t id = 0;
  std::string key;
  std::string sig; // signed prekeys only
};

// A body that is a JSON object with fields of the right types.
struct key_upload {
  std::optional<std::string> identity_key, identity_dh, identity_sig;
  std::optional<published_prekey> signed_prekey;
  std::vector<published_prekey> one_time_prekeys;
};

// `body` is the parsed request (a non-object is `invalid_json`).
std::variant<key_upload, key_refusal> parse_key_upload(const nlohmann::json& body);

// What the device has, read (and locked) in the upload's transaction.
struct stored_keys {
  std::optional<published_identity> identity; // none: nothing published yet
  std::optional<published_prekey> signed_prekey;
  std::size_t unclaimed = 0;
  // Of the ids in the upload, the one-time prekeys ever accepted.
  std::vector<published_prekey> known;
};

// What to write: all of it, or nothing (a refusal).
struct key_changes {
  std::optional<published_identity> identity; // a first publication
  std::optional<published_prekey> signed_prekey;
  std::vector<published_prekey> new_prekeys; // ids not stored before
};

std::variant<key_changes, key_refusal> check_key_upload(const key_upload& upload,
                                                        const stored_keys& stored);

// One device's bundle as `GET /v1/keys/{user_id}` hands it out.
struct device_bundle {
  id64 device_id = 0;
  published_identity identity;
  published_prekey signed_prekey;
  std::optional<published_prekey> one_time_prekey; // the one claimed
};

std::string bundles_json(id64 user, const std::vector<device_bundle>& bundles);

// `GET /v1/users/{user_id}/devices`.
struct device_identity {
  id64 device_id = 0;
  published_identity identity;
};

std::string identities_json(const std::vector<device_identity>& devices);

// A client's `PUT /v1/keys` body.
std::string upload_json(const std::optional<published_identity>& identity,
                        const std::optional<published_prekey>& signed_prekey,
                        const std::vector<published_prekey>& one_time_prekeys);

} // namespace parley::e2e
