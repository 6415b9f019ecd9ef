#include "wire/credentials.hpp"

#include <argon2.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <vector>
#include <stdexcept>

namespace parley::credentials {

namespace {

constexpr std::size_t salt_len = 16;
constexpr std::size_t hash_len = 32;
constexpr std::size_t token_bytes = 32;

void random_bytes(unsigned char* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1)
    throw std::runtime_error("RAND_bytes failed");
}

} // namespace

std::string to_hex(const unsigned char* data, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0xF];
  }
  return out;
}

std::string hash_password(std::string_view password, const argon2_params& p) {
  std::array<unsigned char, salt_len> salt;
  random_bytes(salt.data(), salt.size());
  auto encoded_len = argon2_encodedlen(p.time_cost, p.memory_kib, p.parallelism,
                                       salt_len, hash_len, Argon2_id);
  std::string encoded(encoded_len, '\0');
  auto rc = argon2id_hash_encoded(p.time_cost, p.memory_kib, p.parallelism,
                                  password.data(), password.size(), salt.data(),
                                  salt.size(), hash_len, encoded.data(),
                                  encoded.size());
  if (rc != ARGON2_OK)
    throw std::runtime_error(std::string{"argon2: "} + argon2_error_message(rc));
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool verify_password(std::string_view password, const std::string& encoded) {
  return argon2id_verify(encoded.c_str(), password.data(), password.size())
         == ARGON2_OK;
}

std::optional<std::string> password_weakness(std::string_view password) {
  if (password.size() < 8)
    return "password must have at least 8 characters";
  if (password.size() > 1024)
    return "password must have at most 1024 characters";
  return std::nullopt;
}

std::optional<std::string> username_problem(std::string_view name) {
  if (name.empty() || name.size() > 64)
    return "username must have 1 to 64 characters";
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok)
      return "username may contain only letters, digits, '_', '.' and '-'";
  }
  return std::nullopt;
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  random_bytes(raw.data(), raw.size());
  return to_hex(raw.data(), raw.size());
}

std::string new_token() {
  return random_hex(token_bytes);
}

std::string token_digest(std::string_view token) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest;
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
         digest.data());
  return to_hex(digest.data(), digest.size());
}

bool looks_like_token(std::string_view token) {
  if (token.size() != token_bytes * 2)
    return false;
  for (char c : token)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

} // namespace parley::credentials
