// The vector checker's sender keys, media and safety numbers.
#include <cstdlib>

#include "wire/e2e/group.hpp"
#include "wire/e2e/media.hpp"
#include "wire/e2e/ratchet.hpp"
#include "wire/e2e/safety_number.hpp"
#include "wire/e2e/vectors_check.hpp"

namespace parley::e2e::vectors {

void check_group(checker& c, const json& v) {
  own_sender_key mine{v.value("key_id", 0u), hx(v["chain_key"]), 0, ed_pair(v["signing_key"])};
  c.same("sender_key.signing_key.public", mine.signing.pub, v["signing_key"]["public"]);
  c.same_json("sender_key.distribution_plaintext",
              distribution_plaintext(mine, v.value("conversation", "")),
              v["distribution_plaintext"]);
  their_sender_key theirs{mine.key_id, mine.chain_key, 0, mine.signing.pub, {}};
  for (auto& m : v["messages"]) {
    auto at = "sender_key." + std::to_string(m.value("iteration", 0u)) + ".";
    // The file may skip iterations: the sender's chain steps over them.
    while (mine.iteration < m.value("iteration", 0u)) {
      mine.chain_key = kdf_ck(mine.chain_key).first;
      ++mine.iteration;
    }
    c.same(at + "chain_key", mine.chain_key, m["chain_key"]);
    auto [next, mk] = kdf_ck(mine.chain_key);
    c.same(at + "message_key", mk, m["message_key"]);
    c.same(at + "next_chain_key", next, m["next_chain_key"]);
    auto [aes, nonce] = message_keys(mk, group_info());
    c.same(at + "aes_key", aes, m["aes_key"]);
    c.same(at + "nonce", nonce, m["nonce"]);
    c.same(at + "aad", concat(u32be(mine.key_id), u32be(mine.iteration)), m["aad"]);
    auto body = group_encrypt(mine, to_bytes(m.value("plaintext", "")));
    auto parsed = parse_group_body(body);
    c.same(at + "ciphertext", parsed ? std::optional<bytes>{parsed->ct} : std::nullopt,
           m["ciphertext"]);
    c.same(at + "sig", parsed ? std::optional<bytes>{parsed->sig} : std::nullopt, m["sig"]);
    c.same_json(at + "body", body, m["body"]);
    auto file_body = parse_group_body(m.value("body", ""));
    auto opened = file_body ? group_decrypt(theirs, *file_body) : group_opened{};
    c.check(at + "decrypts",
            opened.plaintext && to_string(*opened.plaintext) == m.value("plaintext", ""));
    if (file_body)
      c.check(at + "replay_refused", !group_decrypt(theirs, *file_body).plaintext);
  }
}

void check_media(checker& c, const json& v) {
  auto mk = hx(v["media_key"]);
  auto keys = media_keys(mk);
  c.same("media.hkdf_output", concat(keys.iv, keys.aes_key, keys.mac_key), v["hkdf_output"]);
  c.same("media.iv", keys.iv, v["iv"]);
  c.same("media.aes_key", keys.aes_key, v["aes_key"]);
  c.same("media.mac_key", keys.mac_key, v["mac_key"]);
  auto file = hx(v["plaintext"]);
  auto enc = cbc_encrypt(keys.aes_key, keys.iv, file);
  c.same("media.ciphertext", enc, v["ciphertext"]);
  c.same("media.mac", hmac_sha256(keys.mac_key, concat(keys.iv, enc)), v["mac"]);
  auto upload = media_encrypt(mk, file);
  c.same("media.upload", upload, v["upload"]);
  c.same("media.sha256", sha256(upload), v["sha256"]);
  auto opened = media_decrypt(mk, hx(v["upload"]), v.value("sha256", ""), v.value("size", 0u));
  c.check("media.decrypts", opened.file && *opened.file == file);
  auto tampered = hx(v["upload"]);
  if (!tampered.empty())
    tampered[0] ^= 1;
  c.check("media.tamper_refused",
          !media_decrypt(mk, tampered, hex(sha256(tampered)), v.value("size", 0u)).file);
}

void check_safety(checker& c, const json& v) {
  std::vector<std::pair<std::uint64_t, std::string>> prints;
  for (auto& u : v["users"]) {
    auto id = u.value("user_id", "");
    auto at = "safety_number." + id + ".";
    std::vector<bytes> keys;
    for (auto& d : u["devices"])
      keys.push_back(hx(d["identity_key"]));
    auto steps = fingerprint_of(id, keys);
    if (u.contains("sorted_keys"))
      c.same(at + "sorted_keys", steps.sorted_keys, u["sorted_keys"]);
    if (u.contains("first_hash"))
      c.same(at + "first_hash", steps.first_hash, u["first_hash"]);
    if (u.contains("final_hash"))
      c.same(at + "final_hash", steps.final_hash, u["final_hash"]);
    c.same_text(at + "fingerprint", steps.digits, u["fingerprint"]);
    prints.emplace_back(std::strtoull(id.c_str(), nullptr, 10), steps.digits);
  }
  if (prints.size() == 2)
    c.same_text("safety_number", safety_number(prints[0].first, prints[0].second,
                                               prints[1].first, prints[1].second),
                v["safety_number"]);
}

} // namespace parley::e2e::vectors
