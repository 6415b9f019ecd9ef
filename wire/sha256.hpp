#pragma once
// Incremental SHA-256 (OpenSSL), for content hashed while it streams:
// uploads on the server, downloads in the CLI.
#include <cstddef>
#include <string>

struct evp_md_ctx_st; // OpenSSL's EVP_MD_CTX, kept out of this header

namespace parley::wire {

class sha256_hasher {
public:
  sha256_hasher();
  ~sha256_hasher();
  sha256_hasher(const sha256_hasher&) = delete;
  sha256_hasher& operator=(const sha256_hasher&) = delete;

  void update(const void* data, std::size_t n);
  // Lowercase hex; the hasher cannot be updated afterwards.
  std::string hex_digest();

private:
  ::evp_md_ctx_st* ctx_;
};

// HMAC-SHA256 of `data` under `key`, in lowercase hex (push signatures).
std::string hmac_sha256_hex(const std::string& key, const std::string& data);

} // namespace parley::wire
