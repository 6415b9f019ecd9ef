#pragma once
// Sender keys for groups (../shared/E2E.md §11): each sending device's own
// chain per conversation, its messages signed with the key's Ed25519 pair.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "wire/e2e/primitives.hpp"

namespace parley::e2e {

const bytes& group_info(); // "Parley Group v1"

// The sender's side.
struct own_sender_key {
  std::uint32_t key_id = 0;
  bytes chain_key;       // the CK the next message uses
  std::uint32_t iteration = 0;
  key_pair signing;      // Ed25519
};

own_sender_key new_sender_key(std::uint32_t previous_key_id);

// The group body of the next message; advances the key.
std::string group_encrypt(own_sender_key& key, const bytes& plaintext);

// The `sender_key` plaintext that lets another device read from the key's
// current iteration on.
std::string distribution_plaintext(const own_sender_key& key, const std::string& conversation);

// A receiver's copy of someone's sender key.
struct their_sender_key {
  std::uint32_t key_id = 0;
  bytes chain_key;
  std::uint32_t iteration = 0;       // of `chain_key`
  bytes signing_pub;
  std::map<std::uint32_t, bytes> skipped; // iteration -> message key
};

struct group_body {
  std::uint32_t key_id = 0;
  std::uint32_t iteration = 0;
  bytes ct;
  bytes sig;
};

std::optional<group_body> parse_group_body(const std::string& text);

// The plaintext, or the code of §11 (`bad_signature`, `duplicate`,
// `too_many_skipped`, `bad_message`); the key is left as it was on failure.
struct group_opened {
  std::optional<bytes> plaintext;
  std::string error;
};
group_opened group_decrypt(their_sender_key& key, const group_body& body);

} // namespace parley::e2e
