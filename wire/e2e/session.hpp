#pragma once
// Sessions between two devices (../shared/E2E.md §5 and §7): starting one
// from a bundle, sealing plaintexts into envelopes, and opening envelopes
// with the session rules of §7 (one active session per peer device and up
// to 4 previous ones, a prekey envelope answered by a new responder
// session unless it belongs to one answered before). Pure: the caller
// stores the sessions (before a sealed envelope leaves) and supplies the
// private prekeys and fresh key pairs.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "wire/e2e/ratchet.hpp"
#include "wire/e2e/x3dh.hpp"

namespace parley::e2e {

constexpr std::size_t max_previous_sessions = 4;

struct session {
  ratchet_state ratchet;
  bytes ad; // IK_A || IKdh_A || IK_B || IKdh_B
  // The initiator's side: `prekey` envelopes until a message from the peer
  // opens on this session, all with the same ek, spk and opk.
  bool initiator = false;
  bool sends_prekey = false;
  // Initiator: its EK's public key; responder: the peer's (the base key
  // that tells later prekey envelopes of the same session apart).
  bytes base_key;
  std::uint32_t spk_id = 0;
  std::optional<std::uint32_t> opk_id;
};

// From `peer`'s bundle, with fresh pairs for EK and the first ratchet
// step. Nothing if the bundle's signatures do not verify (or a DH fails).
std::optional<session> initiate_session(const identity& me, const bundle& peer,
                                        const key_pair& ek, const key_pair& first_ratchet);

// The envelope text of `plaintext`, advancing the session; nothing if it
// has no sending chain yet.
std::optional<std::string> seal_envelope(session& s, const identity& me,
                                         const bytes& plaintext);

// One peer device's sessions, the active one first, then previous ones,
// newest first.
struct peer_sessions {
  std::vector<session> sessions;
};

// What a device keeps to answer prekey envelopes: its signed prekeys
// (current and recent) and the one-time prekeys whose private keys are
// still kept, by id.
struct prekey_source {
  std::function<std::optional<key_pair>(std::uint32_t)> signed_prekey;
  std::function<std::optional<key_pair>(std::uint32_t)> one_time_prekey;
};

struct opened_envelope {
  std::optional<bytes> plaintext;
  // Otherwise: unsupported_version, bad_message, identity_mismatch,
  // no_prekey or no_session.
  std::string error;
  // A one-time prekey a new session used: its private key is to be deleted.
  std::optional<std::uint32_t> used_one_time_prekey;
};

// Opens `text` from the peer device whose identity is (`peer_ik`,
// `peer_ikdh`) (known, or listed by the server with a verified
// identity_sig). `sessions` changes only if it opens: the session it opened
// on becomes the active one.
opened_envelope open_envelope(peer_sessions& sessions, const identity& me,
                              const prekey_source& prekeys, const bytes& peer_ik,
                              const bytes& peer_ikdh, const std::string& text,
                              const pair_source& new_pair);

// Seals on the active session; nothing without one.
std::optional<std::string> seal_for(peer_sessions& sessions, const identity& me,
                                    const bytes& plaintext);

} // namespace parley::e2e
