// The key directory's rules (wire/e2e/key_directory.hpp): each check of
// PUT /v1/keys in E2E.md §4's order, against a device's stored keys.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "wire/e2e/bytes.hpp"
#include "wire/e2e/key_directory.hpp"
#include "wire/e2e/primitives.hpp"
#include "wire/e2e/x3dh.hpp"

using namespace parley::e2e;
using json = nlohmann::json;

namespace {

struct device {
  key_pair ik = ed25519_generate();
  key_pair ikdh = x25519_generate();
  key_pair spk = x25519_generate();

  published_identity identity() const {
    return {b64(ik.pub), b64(ikdh.pub), b64(*ed25519_sign(ik.priv, identity_sig_message(ikdh.pub)))};
  }
  published_prekey signed_prekey(std::uint32_t id) const {
    return {id, b64(spk.pub), b64(*ed25519_sign(ik.priv, signed_prekey_sig_message(id, spk.pub)))};
  }
};

std::vector<published_prekey> prekeys(std::uint32_t first, std::size_t n) {
  std::vector<published_prekey> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back({first + static_cast<std::uint32_t>(i), b64(x25519_generate().pub), {}});
  return out;
}

key_upload parsed(const std::string& body) {
  auto result = parse_key_upload(json::parse(body));
  REQUIRE(std::holds_alternative<key_upload>(result));
  return std::get<key_upload>(result);
}

key_fault fault_of(const key_upload& up, const stored_keys& stored) {
  auto result = check_key_upload(up, stored);
  REQUIRE(std::holds_alternative<key_refusal>(result));
  return std::get<key_refusal>(result).fault;
}

key_fault parse_fault(const std::string& body) {
  auto result = parse_key_upload(json::parse(body));
  REQUIRE(std::holds_alternative<key_refusal>(result));
  return std::get<key_refusal>(result).fault;
}

stored_keys published(const device& d) {
  stored_keys s;
  s.identity = d.identity();
  s.signed_prekey = d.signed_prekey(1);
  return s;
}

} // namespace

TEST_CASE("a key upload's fields are read strictly") {
  CHECK(parse_fault("[]") == key_fault::invalid_json);
  CHECK(parse_fault(R"({"identity_key": 1})") == key_fault::invalid_field);
  CHECK(parse_fault(R"({"signed_prekey": {"id": 1.0, "key": "", "sig": ""}})")
        == key_fault::invalid_field);
  CHECK(parse_fault(R"({"signed_prekey": {"id": 4294967296, "key": "", "sig": ""}})")
        == key_fault::invalid_field);
  CHECK(parse_fault(R"({"signed_prekey": {"id": 1, "key": ""}})") == key_fault::invalid_field);
  CHECK(parse_fault(R"({"one_time_prekeys": {}})") == key_fault::invalid_field);
  CHECK(parse_fault(R"({"one_time_prekeys": [{"id": 3, "key": "a"}, {"id": 3, "key": "b"}]})")
        == key_fault::invalid_field);
  auto up = parsed(R"({"one_time_prekeys": [{"id": 4294967295, "key": "k"}], "x": 1})");
  CHECK(up.one_time_prekeys.at(0).id == 4294967295u);
}

TEST_CASE("a first upload needs the whole identity and a signed prekey") {
  device d;
  key_upload up;
  up.signed_prekey = d.signed_prekey(1);
  CHECK(fault_of(up, {}) == key_fault::missing_field);
  auto id = d.identity();
  up.identity_key = id.key;
  up.identity_dh = id.dh;
  CHECK(fault_of(up, {}) == key_fault::missing_field); // no identity_sig
  up.identity_sig = id.sig;
  up.signed_prekey.reset();
  CHECK(fault_of(up, {}) == key_fault::missing_field);
  up.signed_prekey = d.signed_prekey(1);
  up.one_time_prekeys = prekeys(1, 3);
  auto ok = std::get<key_changes>(check_key_upload(up, {}));
  CHECK(ok.identity->key == id.key);
  CHECK(ok.new_prekeys.size() == 3);
}

TEST_CASE("the checks come in E2E.md's order") {
  device d;
  auto id = d.identity();
  key_upload up;
  up.identity_key = "not b64";
  up.identity_dh = id.dh;
  up.identity_sig = "short";
  up.signed_prekey = d.signed_prekey(1);
  up.one_time_prekeys = prekeys(1, 101);
  CHECK(fault_of(up, {}) == key_fault::too_many_prekeys); // before bad_key
  up.one_time_prekeys.resize(1);
  CHECK(fault_of(up, {}) == key_fault::bad_key);          // before bad_signature
  up.identity_key = id.key;
  CHECK(fault_of(up, {}) == key_fault::bad_signature);    // a length
  up.identity_sig = id.sig;
  device other;
  auto stored = published(other);
  up.signed_prekey = other.signed_prekey(1); // signed by the stored identity, not this one
  CHECK(fault_of(up, stored) == key_fault::identity_mismatch); // before the signatures
  CHECK(fault_of(up, {}) == key_fault::bad_signature);
}

TEST_CASE("counts, reuse and retries of later uploads") {
  device d;
  auto stored = published(d);
  key_upload up;
  up.one_time_prekeys = prekeys(1, 100);
  stored.unclaimed = 901;
  CHECK(fault_of(up, stored) == key_fault::too_many_prekeys);
  stored.unclaimed = 900;
  CHECK(std::get<key_changes>(check_key_upload(up, stored)).new_prekeys.size() == 100);
  // a retried call: the same ids with the same keys add nothing
  stored.known = up.one_time_prekeys;
  stored.unclaimed = 1000;
  auto again = std::get<key_changes>(check_key_upload(up, stored));
  CHECK(again.new_prekeys.empty());
  // an id again with another key
  up.one_time_prekeys[5].key = b64(x25519_generate().pub);
  CHECK(fault_of(up, stored) == key_fault::prekey_id_reused);
  // the signed prekey's id with another key, and a properly new one
  key_upload spk;
  device same_identity = d;
  same_identity.spk = x25519_generate();
  spk.signed_prekey = same_identity.signed_prekey(1);
  CHECK(fault_of(spk, stored) == key_fault::prekey_id_reused);
  spk.signed_prekey = same_identity.signed_prekey(2);
  CHECK(std::get<key_changes>(check_key_upload(spk, stored)).signed_prekey->id == 2);
  // signed by someone else's identity key
  device stranger;
  spk.signed_prekey = stranger.signed_prekey(3);
  CHECK(fault_of(spk, stored) == key_fault::bad_signature);
}

TEST_CASE("bundles and listings as JSON") {
  device d;
  device_bundle b{42, d.identity(), d.signed_prekey(7), std::nullopt};
  auto out = json::parse(bundles_json(9007199254740993, {b}));
  CHECK(out["user_id"] == "9007199254740993");
  CHECK(out["devices"][0]["device_id"] == "42");
  CHECK(out["devices"][0]["signed_prekey"]["id"] == 7);
  CHECK(out["devices"][0]["one_time_prekey"].is_null());
  auto listing = json::parse(identities_json({{42, d.identity()}}));
  CHECK(listing["devices"][0]["identity_sig"] == d.identity().sig);
  auto body = json::parse(upload_json(d.identity(), d.signed_prekey(1), prekeys(1, 2)));
  CHECK(std::holds_alternative<key_upload>(parse_key_upload(body)));
}
