#include "wire/e2e/safety_number.hpp"

#include <algorithm>
#include <cstdio>

#include "wire/e2e/primitives.hpp"

namespace parley::e2e {

namespace {

// `text` in groups of `size` characters separated by single spaces.
std::string grouped(const std::string& text, std::size_t size) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += size) {
    if (!out.empty())
      out += ' ';
    out += text.substr(i, size);
  }
  return out;
}

} // namespace

fingerprint_steps fingerprint_of(const std::string& user_id, std::vector<bytes> identity_keys) {
  std::sort(identity_keys.begin(), identity_keys.end());
  fingerprint_steps steps;
  for (auto& k : identity_keys)
    steps.sorted_keys.insert(steps.sorted_keys.end(), k.begin(), k.end());
  steps.first_hash = sha512(concat(u16be(0), steps.sorted_keys, to_bytes(user_id)));
  auto h = steps.first_hash;
  for (int i = 1; i < 5200; ++i)
    h = sha512(concat(h, steps.sorted_keys));
  for (int i = 0; i < 6; ++i) {
    std::uint64_t n = 0;
    for (int k = 0; k < 5; ++k)
      n = n << 8 | h[static_cast<std::size_t>(5 * i + k)];
    char digits[6];
    std::snprintf(digits, sizeof digits, "%05u", static_cast<unsigned>(n % 100000));
    steps.digits += digits;
  }
  steps.final_hash = std::move(h);
  return steps;
}

std::string safety_number(std::uint64_t a_id, const std::string& a_fingerprint,
                          std::uint64_t b_id, const std::string& b_fingerprint) {
  return grouped(a_id <= b_id ? a_fingerprint + b_fingerprint : b_fingerprint + a_fingerprint,
                 5);
}

std::string device_fingerprint(const bytes& identity_key) {
  return grouped(hex(sha256(identity_key)).substr(0, 32), 4);
}

} // namespace parley::e2e
