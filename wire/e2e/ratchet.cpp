#include "wire/e2e/ratchet.hpp"

#include <algorithm>

namespace parley::e2e {

namespace {

const bytes ratchet_info = to_bytes("Parley Ratchet v1");

// Keeps the message keys of chain `st.ckr` up to (not including) `until`.
bool skip(ratchet_state& st, std::uint32_t until) {
  if (std::uint64_t{st.nr} + max_skip < until)
    return false;
  if (st.ckr.empty())
    return true;
  while (st.nr < until) {
    auto [next, mk] = kdf_ck(st.ckr);
    st.skipped.push_back({st.dhr, st.nr, std::move(mk)});
    st.ckr = std::move(next);
    ++st.nr;
  }
  if (st.skipped.size() > max_skipped_keys)
    st.skipped.erase(st.skipped.begin(),
                     st.skipped.begin()
                       + static_cast<std::ptrdiff_t>(st.skipped.size() - max_skipped_keys));
  return true;
}

std::optional<bytes> open(const bytes& mk, const bytes& ad, const bytes& header,
                          const bytes& ct) {
  auto [key, nonce] = message_keys(mk, message_info());
  return gcm_decrypt(key, nonce, ct, concat(ad, header));
}

} // namespace

const bytes& message_info() {
  static const bytes info = to_bytes("Parley Message v1");
  return info;
}

std::pair<bytes, bytes> kdf_rk(const bytes& rk, const bytes& dh_out) {
  auto out = hkdf_sha256(rk, dh_out, ratchet_info, 64);
  return {bytes(out.begin(), out.begin() + 32), bytes(out.begin() + 32, out.end())};
}

std::pair<bytes, bytes> kdf_ck(const bytes& ck) {
  return {hmac_sha256(ck, {0x02}), hmac_sha256(ck, {0x01})};
}

std::pair<bytes, bytes> message_keys(const bytes& mk, const bytes& info) {
  auto out = hkdf_sha256(bytes(32, 0), mk, info, 44);
  return {bytes(out.begin(), out.begin() + 32), bytes(out.begin() + 32, out.end())};
}

bytes encode_header(const ratchet_header& h) {
  return concat(h.dh, u32be(h.pn), u32be(h.n));
}

std::optional<ratchet_header> decode_header(const bytes& raw) {
  if (raw.size() != 40)
    return std::nullopt;
  auto u32 = [&](std::size_t at) {
    return std::uint32_t{raw[at]} << 24 | std::uint32_t{raw[at + 1]} << 16
           | std::uint32_t{raw[at + 2]} << 8 | raw[at + 3];
  };
  return ratchet_header{bytes(raw.begin(), raw.begin() + 32), u32(32), u32(36)};
}

ratchet_state ratchet_init_alice(const bytes& sk, const bytes& their_spk, const key_pair& dhs) {
  ratchet_state st;
  st.dhs = dhs;
  st.dhr = their_spk;
  auto dh = x25519(dhs.priv, their_spk).value_or(bytes(32, 0));
  std::tie(st.rk, st.cks) = kdf_rk(sk, dh);
  return st;
}

ratchet_state ratchet_init_bob(const bytes& sk, const key_pair& spk) {
  ratchet_state st;
  st.dhs = spk;
  st.rk = sk;
  return st;
}

std::optional<ratchet_message> ratchet_encrypt(ratchet_state& st, const bytes& ad,
                                               const bytes& plaintext) {
  if (st.cks.empty())
    return std::nullopt;
  auto [next, mk] = kdf_ck(st.cks);
  auto header = encode_header({st.dhs.pub, st.pn, st.ns});
  auto [key, nonce] = message_keys(mk, message_info());
  auto ct = gcm_encrypt(key, nonce, plaintext, concat(ad, header));
  st.cks = std::move(next);
  ++st.ns;
  return ratchet_message{std::move(header), std::move(ct)};
}

std::optional<bytes> ratchet_decrypt(ratchet_state& live, const bytes& ad, const bytes& header,
                                     const bytes& ct, const pair_source& new_pair) {
  auto h = decode_header(header);
  if (!h)
    return std::nullopt;
  auto st = live; // every change on a copy, kept only if the message opens
  auto hit = std::find_if(st.skipped.begin(), st.skipped.end(),
                          [&](const skipped_key& k) { return k.n == h->n && k.dh == h->dh; });
  if (hit != st.skipped.end()) {
    auto pt = open(hit->mk, ad, header, ct);
    if (!pt)
      return std::nullopt;
    st.skipped.erase(hit);
    live = std::move(st);
    return pt;
  }
  if (h->dh != st.dhr) {
    if (!skip(st, h->pn))
      return std::nullopt;
    st.pn = st.ns;
    st.ns = st.nr = 0;
    st.dhr = h->dh;
    auto dh_in = x25519(st.dhs.priv, st.dhr);
    if (!dh_in)
      return std::nullopt;
    std::tie(st.rk, st.ckr) = kdf_rk(st.rk, *dh_in);
    st.dhs = new_pair();
    auto dh_out = x25519(st.dhs.priv, st.dhr);
    if (!dh_out)
      return std::nullopt;
    std::tie(st.rk, st.cks) = kdf_rk(st.rk, *dh_out);
  }
  if (!skip(st, h->n) || st.ckr.empty() || h->n < st.nr)
    return std::nullopt; // below nr and not a kept key: a replay
  auto [next, mk] = kdf_ck(st.ckr);
  st.ckr = std::move(next);
  ++st.nr;
  auto pt = open(mk, ad, header, ct);
  if (!pt)
    return std::nullopt;
  live = std::move(st);
  return pt;
}

} // namespace parley::e2e
