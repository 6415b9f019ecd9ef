// The vector checker's Double Ratchet part: alice and bob replay the
// file's conversation from its X3DH, with the ratchet keys the file fixes.
#include "wire/e2e/envelope.hpp"
#include "wire/e2e/ratchet.hpp"
#include "wire/e2e/vectors_check.hpp"

namespace parley::e2e::vectors {

namespace {

struct side {
  ratchet_state state;
  bool answered = false; // has decrypted a message of the peer
};

// The receiver's DH step, when the message starts one, checked value by value.
void check_dh_step(checker& c, const std::string& at, const ratchet_state& before,
                   const ratchet_state& after, const json& step) {
  auto remote = hx(step["remote_ratchet_key"]);
  auto dh_in = x25519(before.dhs.priv, remote);
  c.same(at + "dh_receive", dh_in, step["dh_receive"]);
  auto [rk1, ckr] = kdf_rk(before.rk, dh_in.value_or(bytes{}));
  c.same(at + "root_key_1", rk1, step["root_key_1"]);
  c.same(at + "receiving_chain_key", ckr, step["receiving_chain_key"]);
  auto fresh = x_pair(step["new_ratchet_key"]);
  c.same(at + "new_ratchet_key.public", fresh.pub, step["new_ratchet_key"]["public"]);
  auto dh_out = x25519(fresh.priv, remote);
  c.same(at + "dh_send", dh_out, step["dh_send"]);
  auto [rk2, cks] = kdf_rk(rk1, dh_out.value_or(bytes{}));
  c.same(at + "root_key_2", rk2, step["root_key_2"]);
  c.same(at + "sending_chain_key", cks, step["sending_chain_key"]);
  c.check(at + "previous_sending_count", step.value("previous_sending_count", -1)
                                           == static_cast<long>(before.ns));
  c.check(at + "state", after.rk == rk2 && after.cks == cks);
}

} // namespace

void check_ratchet(checker& c, const json& v, const json& x3dh, const json& alice,
                   const json& bob) {
  auto a_id = identity_of(alice), b_id = identity_of(bob);
  auto ek = x_pair(x3dh["ephemeral"]);
  auto spk = x_pair(bob["signed_prekey"]);
  auto opk = x_pair(bob["one_time_prekey"]);
  auto spk_id = bob["signed_prekey"].value("id", 0u);
  auto opk_id = bob["one_time_prekey"].value("id", 0u);
  auto secret = x3dh_respond(b_id, spk, &opk, a_id.ik.pub, a_id.ikdh.pub, ek.pub);
  if (!secret)
    return c.check("ratchet.x3dh", false);
  auto& init = v["alice_init"];
  auto alice_pair = x_pair(init["ratchet_key"]);
  c.same("ratchet.alice_init.ratchet_key.public", alice_pair.pub, init["ratchet_key"]["public"]);
  c.same("ratchet.alice_init.dh_out", x25519(alice_pair.priv, spk.pub), init["dh_out"]);
  side a{ratchet_init_alice(secret->sk, spk.pub, alice_pair)};
  side b{ratchet_init_bob(secret->sk, spk)};
  c.same("ratchet.alice_init.root_key", a.state.rk, init["root_key"]);
  c.same("ratchet.alice_init.sending_chain_key", a.state.cks, init["sending_chain_key"]);
  c.same("ratchet.bob_init.root_key", b.state.rk, v["bob_init"]["root_key"]);

  for (auto& m : v["messages"]) {
    auto at = "ratchet." + m.value("id", std::string{"?"}) + ".";
    bool from_alice = m.value("from", "") == "alice";
    auto& sender = from_alice ? a : b;
    auto& receiver = from_alice ? b : a;
    c.same(at + "chain_key", sender.state.cks, m["chain_key"]);
    auto [next, mk] = kdf_ck(sender.state.cks);
    c.same(at + "message_key", mk, m["message_key"]);
    c.same(at + "next_chain_key", next, m["next_chain_key"]);
    auto [aes, nonce] = message_keys(mk, message_info());
    c.same(at + "aes_key", aes, m["aes_key"]);
    c.same(at + "nonce", nonce, m["nonce"]);
    auto plaintext = to_bytes(m.value("plaintext", ""));
    auto sealed = ratchet_encrypt(sender.state, secret->ad, plaintext);
    if (!sealed) {
      c.check(at + "encrypt", false);
      continue;
    }
    c.same(at + "header", sealed->header, m["header"]);
    c.same(at + "aad", concat(secret->ad, sealed->header), m["aad"]);
    c.same(at + "ciphertext", sealed->ct, m["ciphertext"]);
    envelope e;
    e.prekey = from_alice && !a.answered;
    e.header = sealed->header;
    e.ct = sealed->ct;
    if (e.prekey) {
      e.ik = a_id.ik.pub;
      e.ikdh = a_id.ikdh.pub;
      e.ek = ek.pub;
      e.spk = spk_id;
      e.opk = opk_id;
    }
    c.same_json(at + "envelope", encode_envelope(e), m["envelope"]);
    auto parsed = parse_envelope(m.value("envelope", ""));
    c.check(at + "envelope_parses", parsed.value && parsed.value->header == sealed->header
                                      && parsed.value->ct == sealed->ct);

    auto before = receiver.state;
    const json* step = m.contains("receiver_dh_ratchet") ? &m["receiver_dh_ratchet"] : nullptr;
    auto fresh = step ? x_pair((*step)["new_ratchet_key"]) : key_pair{};
    auto opened = ratchet_decrypt(receiver.state, secret->ad, hx(m["header"]),
                                  hx(m["ciphertext"]), [&] { return fresh; });
    c.check(at + "decrypts", opened && *opened == plaintext);
    if (opened)
      receiver.answered = true;
    if (step)
      check_dh_step(c, at + "receiver_dh_ratchet.", before, receiver.state, *step);
    // The same message again is a replay: refused, the state unchanged.
    auto again = ratchet_decrypt(receiver.state, secret->ad, hx(m["header"]),
                                 hx(m["ciphertext"]), [&] { return fresh; });
    c.check(at + "replay_refused", !again);
  }
}

} // namespace parley::e2e::vectors
