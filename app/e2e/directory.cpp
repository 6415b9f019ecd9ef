#include "app/e2e/directory.hpp"

#include <nlohmann/json.hpp>

#include "wire/e2e/json_u32.hpp"

namespace parley::e2e_client {

using nlohmann::json;

namespace {

[[noreturn]] void nonsense(const std::string& what) {
  throw directory_error("bad_answer", "the server's " + what + " is not what E2E.md says");
}

std::optional<e2e::bytes> b64_field(const json& j, const char* name, std::size_t length) {
  if (!j.is_object() || !j.contains(name) || !j[name].is_string())
    return std::nullopt;
  return e2e::from_b64(j[name].get<std::string>(), length);
}

std::optional<id64> device_id_of(const json& j) {
  if (!j.is_object() || !j.contains("device_id") || !j["device_id"].is_string())
    return std::nullopt;
  return parse_id(j["device_id"].get<std::string>());
}

std::optional<std::uint32_t> id_field(const json& j) {
  if (!j.is_object() || !j.contains("id") || !e2e::is_u32(j["id"]))
    return std::nullopt;
  return j["id"].get<std::uint32_t>();
}

std::optional<fetched_bundle> bundle_of(const json& d) {
  auto device = device_id_of(d);
  auto ik = b64_field(d, "identity_key", 32);
  auto ikdh = b64_field(d, "identity_dh", 32);
  auto isig = b64_field(d, "identity_sig", 64);
  if (!device || !ik || !ikdh || !isig || !d.contains("signed_prekey"))
    return std::nullopt;
  auto& spk = d["signed_prekey"];
  auto spk_id = id_field(spk);
  auto spk_key = b64_field(spk, "key", 32);
  auto spk_sig = b64_field(spk, "sig", 64);
  if (!spk_id || !spk_key || !spk_sig)
    return std::nullopt;
  fetched_bundle out{*device, {*ik, *ikdh, *isig, *spk_id, *spk_key, *spk_sig, {}, {}}};
  if (d.contains("one_time_prekey") && !d["one_time_prekey"].is_null()) {
    auto& opk = d["one_time_prekey"];
    auto opk_id = id_field(opk);
    auto opk_key = b64_field(opk, "key", 32);
    if (!opk_id || !opk_key)
      return std::nullopt;
    out.keys.opk_id = *opk_id;
    out.keys.opk = *opk_key;
  }
  return out;
}

} // namespace

std::vector<fetched_bundle> parse_bundles(const json& answer) {
  if (!answer.is_object() || !answer.contains("devices") || !answer["devices"].is_array())
    nonsense("bundle list");
  std::vector<fetched_bundle> out;
  for (auto& d : answer["devices"])
    if (auto b = bundle_of(d))
      out.push_back(std::move(*b));
  return out;
}

std::vector<listed_device> parse_listing(const json& answer) {
  if (!answer.is_object() || !answer.contains("devices") || !answer["devices"].is_array())
    nonsense("device listing");
  std::vector<listed_device> out;
  for (auto& d : answer["devices"]) {
    auto device = device_id_of(d);
    auto ik = b64_field(d, "identity_key", 32);
    auto ikdh = b64_field(d, "identity_dh", 32);
    auto isig = b64_field(d, "identity_sig", 64);
    // A listing is trusted no further than its signatures.
    if (device && ik && ikdh && isig && e2e::identity_verifies(*ik, *ikdh, *isig))
      out.push_back({*device, std::move(*ik), std::move(*ikdh)});
  }
  return out;
}

key_status parse_key_status(const json& answer) {
  if (!answer.is_object() || !answer.contains("one_time_prekeys")
      || !answer["one_time_prekeys"].is_number_unsigned())
    nonsense("key status");
  key_status out{answer["one_time_prekeys"].get<std::size_t>(), std::nullopt};
  if (answer.contains("signed_prekey_id") && e2e::is_u32(answer["signed_prekey_id"]))
    out.signed_prekey_id = answer["signed_prekey_id"].get<std::uint32_t>();
  return out;
}

} // namespace parley::e2e_client
