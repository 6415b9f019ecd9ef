#include "wire/e2e/group.hpp"

#include <nlohmann/json.hpp>

#include "wire/e2e/ratchet.hpp"

namespace parley::e2e {

namespace {

const bytes group_label = to_bytes("Parley group v1");

bytes group_ad(std::uint32_t key_id, std::uint32_t iteration) {
  return concat(u32be(key_id), u32be(iteration));
}

bytes sig_message(std::uint32_t key_id, std::uint32_t iteration, const bytes& ct) {
  return concat(group_label, u32be(key_id), u32be(iteration), ct);
}

std::optional<bytes> open_with(const bytes& mk, const group_body& body) {
  auto [key, nonce] = message_keys(mk, group_info());
  return gcm_decrypt(key, nonce, body.ct, group_ad(body.key_id, body.iteration));
}

} // namespace

const bytes& group_info() {
  static const bytes info = to_bytes("Parley Group v1");
  return info;
}

own_sender_key new_sender_key(std::uint32_t previous_key_id) {
  own_sender_key key;
  do {
    auto r = random_bytes(4);
    key.key_id = std::uint32_t{r[0]} << 24 | std::uint32_t{r[1]} << 16
                 | std::uint32_t{r[2]} << 8 | r[3];
  } while (key.key_id == previous_key_id);
  key.chain_key = random_bytes(32);
  key.signing = ed25519_generate();
  return key;
}

std::string group_encrypt(own_sender_key& key, const bytes& plaintext) {
  auto [next, mk] = kdf_ck(key.chain_key);
  auto [aes, nonce] = message_keys(mk, group_info());
  auto ct = gcm_encrypt(aes, nonce, plaintext, group_ad(key.key_id, key.iteration));
  auto sig = ed25519_sign(key.signing.priv, sig_message(key.key_id, key.iteration, ct));
  nlohmann::json body{{"v", 1},           {"type", "group"}, {"key_id", key.key_id},
                      {"iteration", key.iteration}, {"ct", b64(ct)},
                      {"sig", b64(sig.value_or(bytes{}))}};
  key.chain_key = std::move(next);
  ++key.iteration;
  return body.dump();
}

std::string distribution_plaintext(const own_sender_key& key, const std::string& conversation) {
  return nlohmann::json{{"t", "sender_key"},
                        {"conversation", conversation},
                        {"key_id", key.key_id},
                        {"iteration", key.iteration},
                        {"chain_key", b64(key.chain_key)},
                        {"signing_key", b64(key.signing.pub)}}
    .dump();
}

std::optional<group_body> parse_group_body(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  auto is_u32 = [](const nlohmann::json& v) {
    return v.is_number_unsigned() && v.get<std::uint64_t>() <= 0xffffffffu;
  };
  if (!j.is_object() || j.value("v", nlohmann::json{}) != 1 || j.value("type", "") != "group"
      || !is_u32(j.value("key_id", nlohmann::json{}))
      || !is_u32(j.value("iteration", nlohmann::json{})) || !j["ct"].is_string()
      || !j["sig"].is_string())
    return std::nullopt;
  auto ct = from_b64(j["ct"].get<std::string>());
  auto sig = from_b64(j["sig"].get<std::string>(), 64);
  if (!ct || ct->size() < 16 || !sig)
    return std::nullopt;
  return group_body{j["key_id"].get<std::uint32_t>(), j["iteration"].get<std::uint32_t>(),
                    std::move(*ct), std::move(*sig)};
}

group_opened group_decrypt(their_sender_key& key, const group_body& body) {
  if (!ed25519_verify(key.signing_pub, sig_message(body.key_id, body.iteration, body.ct),
                      body.sig))
    return {std::nullopt, "bad_signature"};
  if (body.iteration < key.iteration) {
    auto it = key.skipped.find(body.iteration);
    if (it == key.skipped.end())
      return {std::nullopt, "duplicate"};
    auto pt = open_with(it->second, body);
    if (!pt)
      return {std::nullopt, "bad_message"};
    key.skipped.erase(it);
    return {std::move(pt), {}};
  }
  if (std::uint64_t{body.iteration} - key.iteration > max_skip)
    return {std::nullopt, "too_many_skipped"};
  auto copy = key;
  while (copy.iteration < body.iteration) {
    auto [next, mk] = kdf_ck(copy.chain_key);
    copy.skipped.emplace(copy.iteration, std::move(mk));
    copy.chain_key = std::move(next);
    ++copy.iteration;
  }
  while (copy.skipped.size() > max_skipped_keys)
    copy.skipped.erase(copy.skipped.begin());
  auto [next, mk] = kdf_ck(copy.chain_key);
  auto pt = open_with(mk, body);
  if (!pt)
    return {std::nullopt, "bad_message"};
  copy.chain_key = std::move(next);
  ++copy.iteration;
  key = std::move(copy);
  return {std::move(pt), {}};
}

} // namespace parley::e2e
