#pragma once
// The primitives of ../shared/E2E.md §2, on OpenSSL 3.0's EVP interface:
// raw 32-byte keys in and out (never DER), errors as empty optionals.
#include <optional>

#include "wire/e2e/bytes.hpp"

namespace parley::e2e {

struct key_pair {
  bytes priv; // X25519 scalar or Ed25519 seed, 32 bytes
  bytes pub;  // 32 bytes
};

bytes random_bytes(std::size_t n);

// X25519 (RFC 7748). `x25519` refuses a bad key and an all-zero result.
std::optional<bytes> x25519_public(const bytes& priv);
std::optional<bytes> x25519(const bytes& priv, const bytes& pub);
key_pair x25519_generate();

// Ed25519 (RFC 8032 §5.1, pure).
std::optional<bytes> ed25519_public(const bytes& seed);
std::optional<bytes> ed25519_sign(const bytes& seed, const bytes& message);
bool ed25519_verify(const bytes& pub, const bytes& message, const bytes& signature);
key_pair ed25519_generate();

bytes hkdf_sha256(const bytes& salt, const bytes& ikm, const bytes& info, std::size_t length);
bytes hmac_sha256(const bytes& key, const bytes& message);
bytes sha256(const bytes& message);
bytes sha512(const bytes& message);

// AES-256-GCM, 12-byte nonce: ct || 16-byte tag; decryption refuses a
// wrong tag.
bytes gcm_encrypt(const bytes& key, const bytes& nonce, const bytes& plaintext,
                  const bytes& ad);
std::optional<bytes> gcm_decrypt(const bytes& key, const bytes& nonce, const bytes& sealed,
                                 const bytes& ad);

// AES-256-CBC with PKCS#7 padding.
bytes cbc_encrypt(const bytes& key, const bytes& iv, const bytes& plaintext);
std::optional<bytes> cbc_decrypt(const bytes& key, const bytes& iv, const bytes& ciphertext);

} // namespace parley::e2e
