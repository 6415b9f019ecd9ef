#include "wire/e2e/primitives.hpp"

#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace parley::e2e {

namespace {

using pkey_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
using cipher_ctx_ptr = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

pkey_ptr private_key(int type, const bytes& priv) {
  if (priv.size() != 32)
    return {nullptr, EVP_PKEY_free};
  return {EVP_PKEY_new_raw_private_key(type, nullptr, priv.data(), priv.size()), EVP_PKEY_free};
}

pkey_ptr public_key(int type, const bytes& pub) {
  if (pub.size() != 32)
    return {nullptr, EVP_PKEY_free};
  return {EVP_PKEY_new_raw_public_key(type, nullptr, pub.data(), pub.size()), EVP_PKEY_free};
}

std::optional<bytes> raw_public(const EVP_PKEY* key) {
  bytes out(32);
  std::size_t n = out.size();
  if (!key || EVP_PKEY_get_raw_public_key(key, out.data(), &n) != 1 || n != 32)
    return std::nullopt;
  return out;
}

key_pair generate(int type) {
  for (;;) {
    auto priv = random_bytes(32);
    auto key = private_key(type, priv);
    if (auto pub = raw_public(key.get()))
      return {std::move(priv), std::move(*pub)};
  }
}

bytes digest(const EVP_MD* md, const bytes& message) {
  bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned n = 0;
  if (EVP_Digest(message.data(), message.size(), out.data(), &n, md, nullptr) != 1)
    throw std::runtime_error("digest failed");
  return out;
}

} // namespace

bytes random_bytes(std::size_t n) {
  bytes out(n);
  if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1)
    throw std::runtime_error("the random number generator failed");
  return out;
}

std::optional<bytes> x25519_public(const bytes& priv) {
  auto key = private_key(EVP_PKEY_X25519, priv);
  return raw_public(key.get());
}

std::optional<bytes> x25519(const bytes& priv, const bytes& pub) {
  auto mine = private_key(EVP_PKEY_X25519, priv);
  auto theirs = public_key(EVP_PKEY_X25519, pub);
  if (!mine || !theirs)
    return std::nullopt;
  pkey_ctx_ptr ctx{EVP_PKEY_CTX_new(mine.get(), nullptr), EVP_PKEY_CTX_free};
  bytes out(32);
  std::size_t n = out.size();
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1
      || EVP_PKEY_derive_set_peer(ctx.get(), theirs.get()) != 1
      || EVP_PKEY_derive(ctx.get(), out.data(), &n) != 1 || n != 32)
    return std::nullopt; // OpenSSL also refuses an all-zero result here
  if (std::all_of(out.begin(), out.end(), [](std::uint8_t b) { return b == 0; }))
    return std::nullopt;
  return out;
}

key_pair x25519_generate() {
  return generate(EVP_PKEY_X25519);
}

std::optional<bytes> ed25519_public(const bytes& seed) {
  auto key = private_key(EVP_PKEY_ED25519, seed);
  return raw_public(key.get());
}

std::optional<bytes> ed25519_sign(const bytes& seed, const bytes& message) {
  auto key = private_key(EVP_PKEY_ED25519, seed);
  md_ctx_ptr ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  bytes sig(64);
  std::size_t n = sig.size();
  if (!key || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1
      || EVP_DigestSign(ctx.get(), sig.data(), &n, message.data(), message.size()) != 1
      || n != 64)
    return std::nullopt;
  return sig;
}

bool ed25519_verify(const bytes& pub, const bytes& message, const bytes& signature) {
  auto key = public_key(EVP_PKEY_ED25519, pub);
  md_ctx_ptr ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  return key && ctx && signature.size() == 64
         && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1
         && EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                             message.size())
              == 1;
}

key_pair ed25519_generate() {
  return generate(EVP_PKEY_ED25519);
}

// OpenSSL 3 looks an algorithm up by name on every implicit use (a locked
// table walk); these are fetched once, with SHA-256 set, and copied per
// call, which is what makes a ratchet step cheap. Fetched objects are
// immutable and safe to share between threads.
namespace {

// OpenSSL 3.0's HKDF cannot be duplicated: each thread keeps one context
// with SHA-256 set, and every call sets its key, salt and info afresh
// (each replaces the previous call's; info is reset whenever it is given).
EVP_KDF_CTX* thread_hkdf() {
  struct holder {
    EVP_KDF_CTX* ctx = nullptr;
    holder() {
      if (auto* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr)) {
        ctx = EVP_KDF_CTX_new(kdf);
        EVP_KDF_free(kdf);
        char digest[] = "SHA256";
        OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                               OSSL_PARAM_construct_end()};
        if (ctx && EVP_KDF_CTX_set_params(ctx, params) != 1) {
          EVP_KDF_CTX_free(ctx);
          ctx = nullptr;
        }
      }
    }
    ~holder() { EVP_KDF_CTX_free(ctx); }
  };
  thread_local holder h;
  return h.ctx;
}

struct mac_template {
  EVP_MAC_CTX* ctx = nullptr;
  mac_template() {
    if (auto* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr)) {
      ctx = EVP_MAC_CTX_new(mac);
      EVP_MAC_free(mac);
      char digest[] = "SHA256";
      OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                             OSSL_PARAM_construct_end()};
      if (ctx && EVP_MAC_CTX_set_params(ctx, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        ctx = nullptr;
      }
    }
  }
};

const EVP_CIPHER* fetched_cipher(const char* name) {
  return EVP_CIPHER_fetch(nullptr, name, nullptr); // kept for the process's life
}

const EVP_CIPHER* aes_256_gcm() {
  static const EVP_CIPHER* cipher = fetched_cipher("AES-256-GCM");
  return cipher;
}

const EVP_CIPHER* aes_256_cbc() {
  static const EVP_CIPHER* cipher = fetched_cipher("AES-256-CBC");
  return cipher;
}

using mac_ctx_ptr = std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)>;

} // namespace

bytes hkdf_sha256(const bytes& salt, const bytes& ikm, const bytes& info, std::size_t length) {
  auto* ctx = thread_hkdf();
  // An empty salt is HashLen zeros (RFC 5869); OpenSSL wants it spelt out.
  bytes salt_or_zeros = salt.empty() ? bytes(32, 0) : salt;
  auto* key = const_cast<unsigned char*>(ikm.data());
  auto* salt_p = salt_or_zeros.data();
  auto* info_p = const_cast<unsigned char*>(info.data());
  OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string("key", key, ikm.size()),
                         OSSL_PARAM_construct_octet_string("salt", salt_p, salt_or_zeros.size()),
                         OSSL_PARAM_construct_octet_string("info", info_p, info.size()),
                         OSSL_PARAM_construct_end()};
  bytes out(length);
  if (!ctx || EVP_KDF_derive(ctx, out.data(), length, params) != 1)
    throw std::runtime_error("HKDF failed");
  return out;
}

bytes hmac_sha256(const bytes& key, const bytes& message) {
  static const mac_template hmac;
  mac_ctx_ptr ctx{hmac.ctx ? EVP_MAC_CTX_dup(hmac.ctx) : nullptr, EVP_MAC_CTX_free};
  bytes out(32);
  std::size_t n = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), nullptr) != 1
      || EVP_MAC_update(ctx.get(), message.data(), message.size()) != 1
      || EVP_MAC_final(ctx.get(), out.data(), &n, out.size()) != 1 || n != 32)
    throw std::runtime_error("HMAC failed");
  return out;
}

bytes sha256(const bytes& message) {
  return digest(EVP_sha256(), message);
}

bytes sha512(const bytes& message) {
  return digest(EVP_sha512(), message);
}

bytes gcm_encrypt(const bytes& key, const bytes& nonce, const bytes& plaintext,
                  const bytes& ad) {
  cipher_ctx_ptr ctx{EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free};
  bytes out(plaintext.size() + 16);
  int n = 0, tail = 0;
  if (key.size() != 32 || nonce.size() != 12 || !ctx
      || EVP_EncryptInit_ex2(ctx.get(), aes_256_gcm(), key.data(), nonce.data(), nullptr)
           != 1
      || EVP_EncryptUpdate(ctx.get(), nullptr, &n, ad.data(), static_cast<int>(ad.size())) != 1
      || EVP_EncryptUpdate(ctx.get(), out.data(), &n, plaintext.data(),
                           static_cast<int>(plaintext.size()))
           != 1
      || EVP_EncryptFinal_ex(ctx.get(), out.data() + n, &tail) != 1
      || EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16,
                             out.data() + plaintext.size())
           != 1)
    throw std::runtime_error("AES-GCM failed");
  return out;
}

std::optional<bytes> gcm_decrypt(const bytes& key, const bytes& nonce, const bytes& sealed,
                                 const bytes& ad) {
  if (key.size() != 32 || nonce.size() != 12 || sealed.size() < 16)
    return std::nullopt;
  cipher_ctx_ptr ctx{EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free};
  auto body = sealed.size() - 16;
  bytes tag(sealed.end() - 16, sealed.end());
  bytes out(body);
  int n = 0, tail = 0;
  if (!ctx
      || EVP_DecryptInit_ex2(ctx.get(), aes_256_gcm(), key.data(), nonce.data(), nullptr)
           != 1
      || EVP_DecryptUpdate(ctx.get(), nullptr, &n, ad.data(), static_cast<int>(ad.size())) != 1
      || EVP_DecryptUpdate(ctx.get(), out.data(), &n, sealed.data(), static_cast<int>(body))
           != 1
      || EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, tag.data()) != 1
      || EVP_DecryptFinal_ex(ctx.get(), out.data() + n, &tail) != 1)
    return std::nullopt;
  return out;
}

bytes cbc_encrypt(const bytes& key, const bytes& iv, const bytes& plaintext) {
  cipher_ctx_ptr ctx{EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free};
  bytes out(plaintext.size() + 16);
  int n = 0, tail = 0;
  if (key.size() != 32 || iv.size() != 16 || !ctx
      || EVP_EncryptInit_ex2(ctx.get(), aes_256_cbc(), key.data(), iv.data(), nullptr) != 1
      || EVP_EncryptUpdate(ctx.get(), out.data(), &n, plaintext.data(),
                           static_cast<int>(plaintext.size()))
           != 1
      || EVP_EncryptFinal_ex(ctx.get(), out.data() + n, &tail) != 1)
    throw std::runtime_error("AES-CBC failed");
  out.resize(static_cast<std::size_t>(n + tail));
  return out;
}

std::optional<bytes> cbc_decrypt(const bytes& key, const bytes& iv, const bytes& ciphertext) {
  if (key.size() != 32 || iv.size() != 16 || ciphertext.empty() || ciphertext.size() % 16)
    return std::nullopt;
  cipher_ctx_ptr ctx{EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free};
  bytes out(ciphertext.size());
  int n = 0, tail = 0;
  if (!ctx
      || EVP_DecryptInit_ex2(ctx.get(), aes_256_cbc(), key.data(), iv.data(), nullptr) != 1
      || EVP_DecryptUpdate(ctx.get(), out.data(), &n, ciphertext.data(),
                           static_cast<int>(ciphertext.size()))
           != 1
      || EVP_DecryptFinal_ex(ctx.get(), out.data() + n, &tail) != 1)
    return std::nullopt;
  out.resize(static_cast<std::size_t>(n + tail));
  return out;
}

} // namespace parley::e2e
