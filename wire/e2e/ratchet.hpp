#pragma once
// The Double Ratchet (../shared/E2E.md §6; Signal's revision 1): one
// session between two devices. Pure: the caller stores the state (and
// must store it before a message it encrypted leaves), and supplies new
// ratchet key pairs, so that test vectors can fix them.
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "wire/e2e/primitives.hpp"

namespace parley::e2e {

constexpr std::uint32_t max_skip = 1000;      // per step
constexpr std::size_t max_skipped_keys = 2000; // per session, oldest go first

// (new root key, new chain key) = HKDF(rk, dh_out, "Parley Ratchet v1", 64)
std::pair<bytes, bytes> kdf_rk(const bytes& rk, const bytes& dh_out);
// (next chain key, message key) = (HMAC(ck, 0x02), HMAC(ck, 0x01))
std::pair<bytes, bytes> kdf_ck(const bytes& ck);
// (AES key, nonce) of a message key, for `info` (1:1 or group messages).
std::pair<bytes, bytes> message_keys(const bytes& mk, const bytes& info);
const bytes& message_info(); // "Parley Message v1"

struct ratchet_header {
  bytes dh;           // 32
  std::uint32_t pn = 0;
  std::uint32_t n = 0;
};
bytes encode_header(const ratchet_header& h);                   // 40 bytes
std::optional<ratchet_header> decode_header(const bytes& raw);

struct skipped_key {
  bytes dh;
  std::uint32_t n;
  bytes mk;
};

struct ratchet_state {
  key_pair dhs;
  bytes dhr; // empty: none yet
  bytes rk, cks, ckr;
  std::uint32_t ns = 0, nr = 0, pn = 0;
  std::vector<skipped_key> skipped; // oldest first
};

using pair_source = std::function<key_pair()>;

ratchet_state ratchet_init_alice(const bytes& sk, const bytes& their_spk, const key_pair& dhs);
ratchet_state ratchet_init_bob(const bytes& sk, const key_pair& spk);

struct ratchet_message {
  bytes header; // encoded, 40 bytes
  bytes ct;     // ciphertext || tag
};

// Needs a sending chain (Bob has none until Alice's first message).
std::optional<ratchet_message> ratchet_encrypt(ratchet_state& st, const bytes& ad,
                                               const bytes& plaintext);

// The plaintext, or nothing (and `st` unchanged): a bad header or tag, too
// many skipped messages, a replay. `new_pair` makes the pair of a DH step.
std::optional<bytes> ratchet_decrypt(ratchet_state& st, const bytes& ad, const bytes& header,
                                     const bytes& ct, const pair_source& new_pair);

} // namespace parley::e2e
