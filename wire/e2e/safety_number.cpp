#include "wire/e2e/safety_number.hpp"

#include <algorithm>
#include <cstdio>

#include "wire/e2e/primitives.hpp"

namespace parley::e2e {

std::string fingerprint(const std::string& user_id, std::vector<bytes> identity_keys) {
  std::sort(identity_keys.begin(), identity_keys.end());
  bytes keys;
  for (auto& k : identity_keys)
    keys.insert(keys.end(), k.begin(), k.end());
  auto h = sha512(concat(u16be(0), keys, to_bytes(user_id)));
  for (int i = 1; i < 5200; ++i)
    h = sha512(concat(h, keys));
  std::string out;
  for (int i = 0; i < 6; ++i) {
    std::uint64_t n = 0;
    for (int k = 0; k < 5; ++k)
      n = n << 8 | h[static_cast<std::size_t>(5 * i + k)];
    char digits[6];
    std::snprintf(digits, sizeof digits, "%05u", static_cast<unsigned>(n % 100000));
    out += digits;
  }
  return out;
}

std::string safety_number(std::uint64_t a_id, const std::string& a_fingerprint,
                          std::uint64_t b_id, const std::string& b_fingerprint) {
  auto digits = a_id <= b_id ? a_fingerprint + b_fingerprint : b_fingerprint + a_fingerprint;
  std::string out;
  for (std::size_t i = 0; i < digits.size(); i += 5) {
    if (!out.empty())
      out += ' ';
    out += digits.substr(i, 5);
  }
  return out;
}

std::string device_fingerprint(const bytes& identity_key) {
  auto h = hex(sha256(identity_key)).substr(0, 32);
  std::string out;
  for (std::size_t i = 0; i < h.size(); i += 4) {
    if (!out.empty())
      out += ' ';
    out += h.substr(i, 4);
  }
  return out;
}

} // namespace parley::e2e
