#pragma once
// Passwords (Argon2id, per-user random salt) and bearer tokens (256 random
// bits, stored only as their SHA-256).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::credentials {

struct argon2_params {
  std::uint32_t time_cost = 2;
  std::uint32_t memory_kib = 19 * 1024; // OWASP's Argon2id baseline
  std::uint32_t parallelism = 1;
};

// Encoded PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
std::string hash_password(std::string_view password, const argon2_params& params);
bool verify_password(std::string_view password, const std::string& encoded);

// Why a password is refused, or nullopt when it is acceptable.
std::optional<std::string> password_weakness(std::string_view password);
// Why a username is refused, or nullopt when it is acceptable.
std::optional<std::string> username_problem(std::string_view username);

std::string to_hex(const unsigned char* data, std::size_t n);

// `bytes` random bytes as lowercase hex (media ids, temporary file names).
std::string random_hex(std::size_t bytes);

// A fresh token: 32 random bytes, as 64 lowercase hex characters.
std::string new_token();
// What the database stores for a token: its SHA-256, in hex.
std::string token_digest(std::string_view token);
// Cheap syntax check before touching the database.
bool looks_like_token(std::string_view token);

} // namespace parley::credentials
