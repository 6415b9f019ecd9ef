#include "wire/e2e/media.hpp"

namespace parley::e2e {

media_keys_t media_keys(const bytes& media_key) {
  auto out = hkdf_sha256(bytes(32, 0), media_key, to_bytes("Parley Media v1"), 80);
  return {bytes(out.begin(), out.begin() + 16), bytes(out.begin() + 16, out.begin() + 48),
          bytes(out.begin() + 48, out.end())};
}

bytes media_encrypt(const bytes& media_key, const bytes& file) {
  auto k = media_keys(media_key);
  auto enc = cbc_encrypt(k.aes_key, k.iv, file);
  auto mac = hmac_sha256(k.mac_key, concat(k.iv, enc));
  return concat(enc, mac);
}

media_opened media_decrypt(const bytes& media_key, const bytes& upload,
                           const std::string& sha256_hex, std::optional<std::uint64_t> size) {
  media_opened bad{std::nullopt, "bad_media"};
  if (hex(sha256(upload)) != sha256_hex || upload.size() < 32)
    return bad;
  bytes enc(upload.begin(), upload.end() - 32);
  bytes mac(upload.end() - 32, upload.end());
  if (enc.size() < 16 || enc.size() % 16 != 0)
    return bad;
  auto k = media_keys(media_key);
  if (!equal_secret(hmac_sha256(k.mac_key, concat(k.iv, enc)), mac))
    return bad;
  auto file = cbc_decrypt(k.aes_key, k.iv, enc);
  if (!file || (size && file->size() != *size))
    return bad;
  return {std::move(file), {}};
}

} // namespace parley::e2e
