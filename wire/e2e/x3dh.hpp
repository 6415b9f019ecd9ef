#pragma once
// X3DH (../shared/E2E.md §5): the shared secret SK and associated data AD
// with which two devices start a Double Ratchet session.
#include <cstdint>
#include <optional>
#include <string>

#include "wire/e2e/primitives.hpp"

namespace parley::e2e {

// A device's long-term identity: Ed25519 IK (signing) and X25519 IKdh.
struct identity {
  key_pair ik;
  key_pair ikdh;
};

// What the key directory hands out for one device (public keys only).
struct bundle {
  bytes identity_key;
  bytes identity_dh;
  bytes identity_sig;
  std::uint32_t spk_id = 0;
  bytes spk;
  bytes spk_sig;
  std::optional<std::uint32_t> opk_id;
  bytes opk; // empty without a one-time prekey
};

bytes identity_sig_message(const bytes& identity_dh);
bytes signed_prekey_sig_message(std::uint32_t id, const bytes& spk);

// Both signatures of a bundle (or a device listing's identity_sig alone).
bool identity_verifies(const bytes& identity_key, const bytes& identity_dh,
                       const bytes& identity_sig);
bool bundle_verifies(const bundle& b);

struct x3dh_secret {
  bytes sk; // 32
  bytes ad; // 128: IK_A || IKdh_A || IK_B || IKdh_B
};

// 0xFF*32 || DH1 || DH2 || DH3 [|| DH4]
bytes x3dh_ikm(const bytes& dh1, const bytes& dh2, const bytes& dh3, const bytes& dh4 = {});
bytes x3dh_sk(const bytes& ikm);

// The initiator's side, with the ephemeral pair `ek` it made. Nothing if
// the bundle's signatures do not verify or a DH fails.
std::optional<x3dh_secret> x3dh_initiate(const identity& me, const bundle& peer,
                                         const key_pair& ek);

// The responder's side from a prekey envelope's ik, ikdh and ek, with its
// own signed prekey and, if the envelope names one, one-time prekey.
std::optional<x3dh_secret> x3dh_respond(const identity& me, const key_pair& spk,
                                        const key_pair* opk, const bytes& their_ik,
                                        const bytes& their_ikdh, const bytes& their_ek);

} // namespace parley::e2e
