#pragma once
// Encrypted media (../shared/E2E.md §10): what is uploaded is
// CBC(file) || HMAC over IV || CBC(file), under keys derived from a
// per-file media key.
#include <optional>
#include <string>

#include "wire/e2e/primitives.hpp"

namespace parley::e2e {

struct media_keys_t {
  bytes iv;      // 16
  bytes aes_key; // 32
  bytes mac_key; // 32
};

media_keys_t media_keys(const bytes& media_key);

// UPLOAD = ENC || HMAC(MACKEY, IV || ENC)
bytes media_encrypt(const bytes& media_key, const bytes& file);

// The file, or `bad_media`: the SHA-256 of `upload` must be `sha256_hex`,
// its body at least 48 bytes and whole blocks, the MAC right, and the
// decrypted length `size` (when the message told it).
struct media_opened {
  std::optional<bytes> file;
  std::string error;
};
media_opened media_decrypt(const bytes& media_key, const bytes& upload,
                           const std::string& sha256_hex, std::optional<std::uint64_t> size);

} // namespace parley::e2e
