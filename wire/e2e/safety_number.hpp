#pragma once
// Safety numbers (../shared/E2E.md §12): 30 digits per user over the
// Ed25519 identity keys of their current devices; 60 for a pair of users.
#include <cstdint>
#include <string>
#include <vector>

#include "wire/e2e/bytes.hpp"

namespace parley::e2e {

// The steps of one user's fingerprint, each kept so that test vectors can
// check it: the keys sorted and joined (K), the first and the last of the
// 5,200 SHA-512 hashes, and the 30 digits.
struct fingerprint_steps {
  bytes sorted_keys;
  bytes first_hash;
  bytes final_hash;
  std::string digits;
};

// `user_id` in decimal; `identity_keys` in any order (they are sorted).
fingerprint_steps fingerprint_of(const std::string& user_id, std::vector<bytes> identity_keys);

inline std::string fingerprint(const std::string& user_id, std::vector<bytes> identity_keys) {
  return fingerprint_of(user_id, std::move(identity_keys)).digits;
}

// The smaller user id's fingerprint first (numeric order), then the
// other's, as 12 groups of 5 digits separated by single spaces.
std::string safety_number(std::uint64_t a_id, const std::string& a_fingerprint,
                          std::uint64_t b_id, const std::string& b_fingerprint);

// The first 16 bytes of SHA-256(identity_key) in hex, as 8 groups of 4
// (`parley devices`).
std::string device_fingerprint(const bytes& identity_key);

} // namespace parley::e2e
