#pragma once
// Safety numbers (../shared/E2E.md §12): 30 digits per user over the
// Ed25519 identity keys of their current devices; 60 for a pair of users.
#include <cstdint>
#include <string>
#include <vector>

#include "wire/e2e/bytes.hpp"

namespace parley::e2e {

// `user_id` in decimal; `identity_keys` in any order (they are sorted).
std::string fingerprint(const std::string& user_id, std::vector<bytes> identity_keys);

// The smaller user id's fingerprint first (numeric order), then the
// other's, as 12 groups of 5 digits separated by single spaces.
std::string safety_number(std::uint64_t a_id, const std::string& a_fingerprint,
                          std::uint64_t b_id, const std::string& b_fingerprint);

// The first 16 bytes of SHA-256(identity_key) in hex, as 8 groups of 4
// (`parley devices`).
std::string device_fingerprint(const bytes& identity_key);

} // namespace parley::e2e
