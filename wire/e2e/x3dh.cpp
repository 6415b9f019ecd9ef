#include "wire/e2e/x3dh.hpp"

namespace parley::e2e {

namespace {

const bytes identity_label = to_bytes("Parley identity v1");
const bytes prekey_label = to_bytes("Parley signed prekey v1");
const bytes x3dh_info = to_bytes("Parley X3DH v1");

} // namespace

bytes identity_sig_message(const bytes& identity_dh) {
  return concat(identity_label, identity_dh);
}

bytes signed_prekey_sig_message(std::uint32_t id, const bytes& spk) {
  return concat(prekey_label, u32be(id), spk);
}

bool identity_verifies(const bytes& identity_key, const bytes& identity_dh,
                       const bytes& identity_sig) {
  return ed25519_verify(identity_key, identity_sig_message(identity_dh), identity_sig);
}

bool bundle_verifies(const bundle& b) {
  return identity_verifies(b.identity_key, b.identity_dh, b.identity_sig)
         && ed25519_verify(b.identity_key, signed_prekey_sig_message(b.spk_id, b.spk),
                           b.spk_sig);
}

bytes x3dh_ikm(const bytes& dh1, const bytes& dh2, const bytes& dh3, const bytes& dh4) {
  return concat(bytes(32, 0xff), dh1, dh2, dh3, dh4);
}

bytes x3dh_sk(const bytes& ikm) {
  return hkdf_sha256(bytes(32, 0), ikm, x3dh_info, 32);
}

std::optional<x3dh_secret> x3dh_initiate(const identity& me, const bundle& peer,
                                         const key_pair& ek) {
  if (!bundle_verifies(peer))
    return std::nullopt;
  auto dh1 = x25519(me.ikdh.priv, peer.spk);
  auto dh2 = x25519(ek.priv, peer.identity_dh);
  auto dh3 = x25519(ek.priv, peer.spk);
  std::optional<bytes> dh4 = bytes{};
  if (!peer.opk.empty())
    dh4 = x25519(ek.priv, peer.opk);
  if (!dh1 || !dh2 || !dh3 || !dh4)
    return std::nullopt;
  return x3dh_secret{x3dh_sk(x3dh_ikm(*dh1, *dh2, *dh3, *dh4)),
                     concat(me.ik.pub, me.ikdh.pub, peer.identity_key, peer.identity_dh)};
}

std::optional<x3dh_secret> x3dh_respond(const identity& me, const key_pair& spk,
                                        const key_pair* opk, const bytes& their_ik,
                                        const bytes& their_ikdh, const bytes& their_ek) {
  auto dh1 = x25519(spk.priv, their_ikdh);
  auto dh2 = x25519(me.ikdh.priv, their_ek);
  auto dh3 = x25519(spk.priv, their_ek);
  std::optional<bytes> dh4 = bytes{};
  if (opk)
    dh4 = x25519(opk->priv, their_ek);
  if (!dh1 || !dh2 || !dh3 || !dh4 || their_ik.size() != 32)
    return std::nullopt;
  return x3dh_secret{x3dh_sk(x3dh_ikm(*dh1, *dh2, *dh3, *dh4)),
                     concat(their_ik, their_ikdh, me.ik.pub, me.ikdh.pub)};
}

} // namespace parley::e2e
