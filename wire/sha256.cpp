#include "wire/sha256.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

#include "wire/credentials.hpp"

namespace parley::wire {

sha256_hasher::sha256_hasher() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr);
}

sha256_hasher::~sha256_hasher() {
  EVP_MD_CTX_free(ctx_);
}

void sha256_hasher::update(const void* data, std::size_t n) {
  EVP_DigestUpdate(ctx_, data, n);
}

std::string sha256_hasher::hex_digest() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx_, digest.data(), &len);
  return credentials::to_hex(digest.data(), len);
}

std::string hmac_sha256_hex(const std::string& key, const std::string& data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), &len);
  return credentials::to_hex(mac.data(), len);
}

} // namespace parley::wire
