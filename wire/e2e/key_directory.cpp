#include "wire/e2e/key_directory.hpp"

#include <nlohmann/json.hpp>

#include "wire/e2e/json_u32.hpp"

#include <algorithm>
#include <set>

#include "wire/e2e/bytes.hpp"
#include "wire/e2e/primitives.hpp"
#include "wire/e2e/x3dh.hpp"

namespace parley::e2e {

using json = nlohmann::json;

std::string_view code_of(key_fault fault) {
  switch (fault) {
    case key_fault::invalid_json: return "invalid_json";
    case key_fault::invalid_field: return "invalid_field";
    case key_fault::missing_field: return "missing_field";
    case key_fault::too_many_prekeys: return "too_many_prekeys";
    case key_fault::bad_key: return "bad_key";
    case key_fault::bad_signature: return "bad_signature";
    case key_fault::identity_mismatch: return "identity_mismatch";
    case key_fault::prekey_id_reused: return "prekey_id_reused";
  }
  return "invalid_field";
}

int http_status_of(key_fault fault) {
  return fault == key_fault::identity_mismatch || fault == key_fault::prekey_id_reused ? 409
                                                                                       : 400;
}

namespace {

key_refusal refuse(key_fault fault, std::string message) {
  return {fault, std::move(message)};
}

// A field that, if present, must be a string.
std::optional<key_refusal> optional_string(const json& body, const char* name,
                                           std::optional<std::string>& out) {
  auto it = body.find(name);
  if (it == body.end())
    return std::nullopt;
  if (!it->is_string())
    return refuse(key_fault::invalid_field, std::string{"'"} + name + "' must be a string");
  out = it->get<std::string>();
  return std::nullopt;
}

// {"id": u32, "key": string[, "sig": string]}
std::optional<published_prekey> prekey_of(const json& v, bool signed_key) {
  if (!v.is_object())
    return std::nullopt;
  auto id = v.find("id");
  auto key = v.find("key");
  if (id == v.end() || !is_u32(*id) || key == v.end() || !key->is_string())
    return std::nullopt;
  published_prekey out{static_cast<std::uint32_t>(id->get<std::uint64_t>()),
                       key->get<std::string>(), {}};
  if (signed_key) {
    auto sig = v.find("sig");
    if (sig == v.end() || !sig->is_string())
      return std::nullopt;
    out.sig = sig->get<std::string>();
  }
  return out;
}

std::optional<key_refusal> read_one_time_prekeys(const json& body, key_upload& out) {
  auto it = body.find("one_time_prekeys");
  if (it == body.end())
    return std::nullopt;
  if (!it->is_array())
    return refuse(key_fault::invalid_field, "'one_time_prekeys' must be an array");
  std::set<std::uint32_t> ids;
  for (auto& v : *it) {
    auto opk = prekey_of(v, false);
    if (!opk)
      return refuse(key_fault::invalid_field,
                    "each one-time prekey must be {\"id\": 0..4294967295, \"key\": B64}");
    if (!ids.insert(opk->id).second)
      return refuse(key_fault::invalid_field,
                    "one-time prekey id " + std::to_string(opk->id) + " appears twice");
    out.one_time_prekeys.push_back(std::move(*opk));
  }
  return std::nullopt;
}

} // namespace

std::variant<key_upload, key_refusal> parse_key_upload(const json& body) {
  if (!body.is_object())
    return refuse(key_fault::invalid_json, "the body must be a JSON object");
  key_upload out;
  for (auto [name, field] : {std::pair{"identity_key", &out.identity_key},
                             std::pair{"identity_dh", &out.identity_dh},
                             std::pair{"identity_sig", &out.identity_sig}})
    if (auto bad = optional_string(body, name, *field))
      return *bad;
  if (auto it = body.find("signed_prekey"); it != body.end()) {
    out.signed_prekey = prekey_of(*it, true);
    if (!out.signed_prekey)
      return refuse(key_fault::invalid_field,
                    "'signed_prekey' must be {\"id\": 0..4294967295, \"key\": B64, "
                    "\"sig\": B64}");
  }
  if (auto bad = read_one_time_prekeys(body, out))
    return *bad;
  return out;
}

namespace {

const published_prekey* find_known(const stored_keys& stored, std::uint32_t id) {
  for (auto& k : stored.known)
    if (k.id == id)
      return &k;
  return nullptr;
}

bool is_key(const std::string& text) {
  return from_b64(text, 32).has_value();
}

bool is_signature(const std::string& text) {
  return from_b64(text, 64).has_value();
}

std::optional<key_refusal> check_presence(const key_upload& up, const stored_keys& stored) {
  int given = up.identity_key.has_value() + up.identity_dh.has_value()
              + up.identity_sig.has_value();
  if (given == 1 || given == 2)
    return refuse(key_fault::missing_field,
                  "'identity_key', 'identity_dh' and 'identity_sig' come together");
  if (!stored.identity && (given == 0 || !up.signed_prekey))
    return refuse(key_fault::missing_field,
                  "a device's first upload needs its identity and a 'signed_prekey'");
  return std::nullopt;
}

std::optional<key_refusal> check_counts(const key_upload& up, const stored_keys& stored) {
  if (up.one_time_prekeys.size() > max_prekeys_per_upload)
    return refuse(key_fault::too_many_prekeys,
                  "at most " + std::to_string(max_prekeys_per_upload)
                    + " one-time prekeys per call");
  auto added = std::count_if(up.one_time_prekeys.begin(), up.one_time_prekeys.end(),
                             [&](auto& k) { return !find_known(stored, k.id); });
  if (stored.unclaimed + static_cast<std::size_t>(added) > max_unclaimed_prekeys)
    return refuse(key_fault::too_many_prekeys,
                  "at most " + std::to_string(max_unclaimed_prekeys)
                    + " unclaimed one-time prekeys per device");
  return std::nullopt;
}

std::optional<key_refusal> check_encodings(const key_upload& up) {
  bool keys_ok = (!up.identity_key || is_key(*up.identity_key))
                 && (!up.identity_dh || is_key(*up.identity_dh))
                 && (!up.signed_prekey || is_key(up.signed_prekey->key))
                 && std::all_of(up.one_time_prekeys.begin(), up.one_time_prekeys.end(),
                                [](auto& k) { return is_key(k.key); });
  if (!keys_ok)
    return refuse(key_fault::bad_key, "every key must be B64 of exactly 32 bytes");
  if ((up.identity_sig && !is_signature(*up.identity_sig))
      || (up.signed_prekey && !is_signature(up.signed_prekey->sig)))
    return refuse(key_fault::bad_signature,
                  "every signature must be B64 of exactly 64 bytes");
  return std::nullopt;
}

std::optional<key_refusal> check_signatures(const published_identity& identity,
                                            bool identity_given,
                                            const std::optional<published_prekey>& spk) {
  auto ik = *from_b64(identity.key, 32);
  if (identity_given
      && !identity_verifies(ik, *from_b64(identity.dh, 32), *from_b64(identity.sig, 64)))
    return refuse(key_fault::bad_signature, "'identity_sig' does not verify under "
                                            "'identity_key'");
  if (spk
      && !ed25519_verify(ik, signed_prekey_sig_message(spk->id, *from_b64(spk->key, 32)),
                         *from_b64(spk->sig, 64)))
    return refuse(key_fault::bad_signature,
                  "the signed prekey's 'sig' does not verify under the device's identity key");
  return std::nullopt;
}

std::optional<key_refusal> check_reuse(const key_upload& up, const stored_keys& stored) {
  auto& spk = up.signed_prekey;
  if (spk && stored.signed_prekey && stored.signed_prekey->id == spk->id
      && stored.signed_prekey->key != spk->key)
    return refuse(key_fault::prekey_id_reused,
                  "signed prekey id " + std::to_string(spk->id) + " is in use with another key");
  for (auto& k : up.one_time_prekeys)
    if (auto* known = find_known(stored, k.id); known && known->key != k.key)
      return refuse(key_fault::prekey_id_reused,
                    "one-time prekey id " + std::to_string(k.id)
                      + " was uploaded before with another key");
  return std::nullopt;
}

} // namespace

std::variant<key_changes, key_refusal> check_key_upload(const key_upload& up,
                                                        const stored_keys& stored) {
  for (auto bad : {check_presence(up, stored), check_counts(up, stored), check_encodings(up)})
    if (bad)
      return *bad;
  bool identity_given = up.identity_key.has_value();
  if (identity_given && stored.identity
      && (stored.identity->key != *up.identity_key || stored.identity->dh != *up.identity_dh))
    return refuse(key_fault::identity_mismatch,
                  "this device already has another identity; a new identity is a new device");
  auto identity = identity_given
                    ? published_identity{*up.identity_key, *up.identity_dh, *up.identity_sig}
                    : *stored.identity;
  if (auto bad = check_signatures(identity, identity_given, up.signed_prekey))
    return *bad;
  if (auto bad = check_reuse(up, stored))
    return *bad;
  key_changes out;
  if (!stored.identity)
    out.identity = std::move(identity);
  out.signed_prekey = up.signed_prekey;
  for (auto& k : up.one_time_prekeys)
    if (!find_known(stored, k.id))
      out.new_prekeys.push_back(k);
  return out;
}

namespace {

json identity_fields(id64 device, const published_identity& identity) {
  return {{"device_id", id_to_string(device)},
          {"identity_key", identity.key},
          {"identity_dh", identity.dh},
          {"identity_sig", identity.sig}};
}

} // namespace

std::string bundles_json(id64 user, const std::vector<device_bundle>& bundles) {
  auto devices = json::array();
  for (auto& b : bundles) {
    auto d = identity_fields(b.device_id, b.identity);
    d["signed_prekey"] = {{"id", b.signed_prekey.id},
                          {"key", b.signed_prekey.key},
                          {"sig", b.signed_prekey.sig}};
    d["one_time_prekey"] = b.one_time_prekey ? json{{"id", b.one_time_prekey->id},
                                                    {"key", b.one_time_prekey->key}}
                                             : json(nullptr);
    devices.push_back(std::move(d));
  }
  return json{{"user_id", id_to_string(user)}, {"devices", std::move(devices)}}.dump();
}

std::string identities_json(const std::vector<device_identity>& devices) {
  auto out = json::array();
  for (auto& d : devices)
    out.push_back(identity_fields(d.device_id, d.identity));
  return json{{"devices", std::move(out)}}.dump();
}

std::string upload_json(const std::optional<published_identity>& identity,
                        const std::optional<published_prekey>& signed_prekey,
                        const std::vector<published_prekey>& one_time_prekeys) {
  json body = json::object();
  if (identity) {
    body["identity_key"] = identity->key;
    body["identity_dh"] = identity->dh;
    body["identity_sig"] = identity->sig;
  }
  if (signed_prekey)
    body["signed_prekey"] = {
      {"id", signed_prekey->id}, {"key", signed_prekey->key}, {"sig", signed_prekey->sig}};
  auto opks = json::array();
  for (auto& k : one_time_prekeys)
    opks.push_back({{"id", k.id}, {"key", k.key}});
  body["one_time_prekeys"] = std::move(opks);
  return body.dump();
}

} // namespace parley::e2e
